#!/bin/bash
# error_formats.sh: AUTH_ERROR_FORMAT through nginx and todos, as the
# quickstarts' clients expect the bodies: envelope (field-level details
# for the Authorization header and the subject claim), detail (FastAPI's
# {"detail": ...}) and flat ({"error","error_code","message"}).  In every
# format the reason still reaches the log and WWW-Authenticate, and a
# malformed Authorization header is 401 in detail and flat, 400 in the
# envelope.  Run without an argument it runs itself once per format.
if [ $# -eq 0 ]; then
	rc=0
	for f in envelope detail flat; do
		bash "$0" "$f" || rc=1
	done
	exit $rc
fi
FORMAT=$1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/todos_env.sh"

ti_init
if [ "$FORMAT" = envelope ]; then
	todos_start JWT_SUBJECT_CLAIM=user_id
else
	todos_start "AUTH_ERROR_FORMAT=$FORMAT"
fi

# The task-service quickstart's user and a wrongly signed token.
A=$(tok test-user-123)
B=$(tok user-a)
BAD=$(ti_flip_last "$A")

# challenge ERROR: WWW-Authenticate names the RFC 6750 error.
challenge()
{
	ti_expect_header WWW-Authenticate "^Bearer realm=\"api\", error=\"$1\""
}

case $FORMAT in
detail)
	for c in "missing token|" "invalid token|Bearer invalid-token" \
	    "wrong scheme|Basic $A" "Bearer alone|Bearer" \
	    "three words|Bearer a b" "bad signature|Bearer $BAD"; do
		label=${c%%|*} h=${c#*|}
		if [ -n "$h" ]; then
			ti_request "$label" /api/test-user-123/tasks \
			    -H "Authorization: $h"
		else
			ti_request "$label" /api/test-user-123/tasks
		fi
		ti_expect_status 401
		ti_expect_json 'j' '{"detail": "Could not validate credentials"}'
		ti_expect_header WWW-Authenticate '^Bearer realm="api"'
	done
	ti_request "three words: still invalid_request" /api/test-user-123/tasks \
	    -H "Authorization: Bearer a b"
	challenge invalid_request
	call "user-a's token on user-b's tasks" GET /api/user-b/tasks "$B"
	ti_expect_status 403
	ti_expect_json 'j' '{"detail": "Access denied: user identity mismatch"}'
	call "own tasks" GET /api/test-user-123/tasks "$A"
	ti_expect_status 200
	ti_expect_json 'j' '[]'
	call "not found keeps the shape" GET /api/test-user-123/tasks/99 "$A"
	ti_expect_status 404
	ti_expect_json 'sorted(j.keys())' '["detail"]'
	;;
flat)
	call "bad signature" GET /api/v1/me "$BAD"
	ti_expect_status 401
	ti_expect_json 'j' '{"error": "Unauthorized", "error_code": "invalid_token", "message": "Invalid token: signature verification failed"}'
	challenge invalid_token
	call "user-a on user-b (v1 tasks)" GET /api/v1/user-b/tasks "$B"
	ti_expect_status 403
	ti_expect_json 'j' "{\"error\": \"Forbidden\", \"error_code\": \"forbidden\", \"message\": \"Access denied: cannot access another user's resources\"}"
	ti_request "Bearer alone" /api/v1/me -H "Authorization: Bearer"
	ti_expect_status 401
	ti_expect_json 'j["error"]' Unauthorized
	call "invalid-token" GET /api/v1/me invalid-token
	ti_expect_status 401
	ti_expect_json 'j["error_code"]' invalid_token
	call "me" GET /api/v1/me "$A"
	ti_expect_status 200
	;;
envelope)
	N=$(tok x --claim user_id=42)
	NONE=$(JWT_SUBJECT_CLAIM=sub tok x)
	ti_request "wrong scheme" /api/users/42/todos -H "Authorization: Basic $A"
	ti_expect_status 401
	ti_expect_json 'j["error"]["code"]' UNAUTHORIZED
	ti_expect_json 'j["error"]["details"]' '[{"field": "authorization", "message": "Must use Bearer token format"}]'
	ti_request "Bearer alone: RFC 6750's 400" /api/users/42/todos \
	    -H "Authorization: Bearer"
	ti_expect_status 400
	ti_expect_json 'j["error"]["details"][0]["field"]' authorization
	challenge invalid_request
	call "no user_id claim" GET /api/users/42/todos "$NONE"
	ti_expect_status 401
	ti_expect_json 'j["error"]["reason"]' claim_missing
	ti_expect_json 'j["error"]["details"]' '[{"field": "user_id", "message": "Missing user_id claim", "setting": "JWT_SUBJECT_CLAIM"}]'
	challenge invalid_token
	call "user_id 42" GET /api/users/42/todos "$N"
	ti_expect_status 200
	call "user_id 42 on 43" GET /api/users/43/todos "$N"
	ti_expect_error 403 forbidden
	ti_expect_json 'j["error"]["message"]' 'You can only access your own resources'
	;;
esac

TI_CASE=log
ti_expect_true "reasons in the log" grep -q 'reason=signature_invalid\|reason=claim_missing' "$T/todos.log"
ti_expect_logs_clean
ti_done
