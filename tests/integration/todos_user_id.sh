#!/bin/bash
# todos_user_id.sh: tokens whose subject is a user_id claim
# (JWT_SUBJECT_CLAIM=user_id), a JSON number or a string.  The number 42
# owns /api/users/42/todos; 43 and the string
# "42x" do not; a token without the claim is 401.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/todos_env.sh"

ti_init
todos_start JWT_SUBJECT_CLAIM=user_id

N=$(tok x --claim user_id=42)
S=$(tok x --claim user_id=test-user-123)
# Issued under JWT_SUBJECT_CLAIM=user_id a token carries the claim; one
# issued with the default subject claim does not.
OWN=$(tok own-user)
NONE=$(JWT_SUBJECT_CLAIM=sub tok x)
J='Content-Type: application/json'

ti_expect_true "the claim is a JSON number" [ "$("$AUTHCTL" decode "$N" |
    /usr/bin/python3 -c 'import json, sys
print(type(json.load(sys.stdin)["claims"]["user_id"]).__name__)')" = int ]

call "numeric user_id lists" GET /api/users/42/todos "$N"
ti_expect_status 200
ti_expect_json 'j' '[]'
call "numeric user_id creates" POST /api/users/42/todos "$N" -H "$J" \
    -d '{"title":"numeric owner"}'
ti_expect_status 201
ti_expect_json 'j["user_id"]' 42
ti_expect_true "row owned by 42" [ "$(ti_sql \
    'SELECT user_id FROM todos')" = 42 ]
call "numeric user_id, other user" GET /api/users/43/todos "$N"
ti_expect_error 403 forbidden
call "numeric user_id, near miss" GET /api/users/042/todos "$N"
ti_expect_error 403 forbidden
call "me, numeric" GET /api/v1/me "$N"
ti_expect_json 'j["user_id"]' 42
call "me under the path's user" GET /api/42/me "$N"
ti_expect_status 200
ti_expect_json 'j["user_id"]' 42
call "me under the path's user, v1" GET /api/v1/42/me "$N"
ti_expect_status 200
ti_expect_header Cache-Control no-store
call "me of another user" GET /api/43/me "$N"
ti_expect_error 403 forbidden
call "me of another user, v1" GET /api/v1/43/me "$N"
ti_expect_error 403 forbidden
call "me under a path user, no token" GET /api/42/me ""
ti_expect_error 401 token_missing
call "string user_id, tasks path" GET /api/test-user-123/tasks "$S"
ti_expect_status 200
call "string user_id, other user, tasks path" GET /api/user-b/tasks "$S"
ti_expect_error 403 forbidden
call "no user_id claim" GET /api/users/x/todos "$NONE"
ti_expect_status 401
ti_expect_json 'j["error"]["reason"]' claim_missing
call "the suite's own token under user_id" GET /api/users/own-user/todos "$OWN"
ti_expect_status 200
ti_expect_logs_clean
ti_done
