#!/bin/bash
# fastapi_shapes.sh: the bodies a FastAPI client reads, through nginx and
# todos, with the shared-secret quickstart's integer user_id subjects.
#
#   detail           a 422 is FastAPI's list {"detail":[{"type","loc",
#                    "msg","input"}]}, one entry per field, pydantic v2's
#                    types; the same bad requests sent to a real FastAPI
#                    app (Debian's python3-fastapi, when installed) flag
#                    the same fields with the same kinds of error;
#   detail-envelope  {"detail":{"error":{...}}}, what FastAPI sends for
#                    HTTPException(detail={"error": ...}); its 422 is the
#                    list too.
# In both, user_id is a JSON number in /api/v1/me and in every todo.
# Run without an argument it runs itself once per format.
if [ $# -eq 0 ]; then
	rc=0
	for f in detail detail-envelope; do
		bash "$0" "$f" || rc=1
	done
	exit $rc
fi
FORMAT=$1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/todos_env.sh"

ti_init
todos_start "AUTH_ERROR_FORMAT=$FORMAT" JWT_SUBJECT_CLAIM=user_id \
    JWT_SUBJECT_TYPE=integer JWT_REQUIRE_TYPE=false
A=$(tok 123)
B=$(tok 456)
J='Content-Type: application/json'

# The integer subject stays a number.
call "me" GET /api/v1/me "$A"
ti_expect_status 200
ti_expect_json 'j["user_id"]' 123
ti_expect_json 'type(j["user_id"]).__name__' int
call "create" POST /api/users/123/todos "$A" -H "$J" -d '{"title":"a"}'
ti_expect_status 201
ti_expect_json 'type(j["user_id"]).__name__ + str(j["user_id"])' int123
call "list" GET /api/users/123/todos "$A"
ti_expect_json '[type(t["user_id"]).__name__ for t in j]' '["int"]'
call "get" GET "/api/users/123/todos/$(ti_sql 'SELECT max(id) FROM todos')" "$A"
ti_expect_json 'j["user_id"]' 123

# 401 and 403 in the format's own shape.
call "no token" GET /api/users/123/todos ""
ti_expect_status 401
call "another user's todos" GET /api/users/456/todos "$A"
ti_expect_status 403
if [ "$FORMAT" = detail-envelope ]; then
	call "no token" GET /api/users/123/todos ""
	ti_expect_json '[list(j.keys()), list(j["detail"].keys())] + [j["detail"]["error"][k] for k in ("code", "reason", "details")]' \
	    '[["detail"], ["error"], "UNAUTHORIZED", "token_missing", []]'
	call "Basic" GET /api/users/123/todos "" -H "Authorization: Basic $A"
	ti_expect_status 401
	ti_expect_json 'j["detail"]["error"]["details"]' '[{"field": "authorization", "message": "Must use Bearer token format"}]'
	call "another user's todos" GET /api/users/456/todos "$A"
	ti_expect_json 'j' '{"detail": {"error": {"code": "FORBIDDEN", "reason": "forbidden", "message": "You can only access your own resources", "details": []}}}'
	call "not found" GET /api/users/123/todos/999999 "$A"
	ti_expect_status 404
	ti_expect_json 'j["detail"]["error"]["code"]' NOT_FOUND
	ti_request "an unknown path" /api/nothing
	ti_expect_status 404
	ti_expect_json 'list(j["detail"]["error"].keys())' '["code", "reason", "message", "details"]'
else
	ti_expect_json 'j' '{"detail": "Access denied: user identity mismatch"}'
fi

# 422: FastAPI's list, exactly as pydantic v2 words it.
before=$(snap)
call "no title" POST /api/users/123/todos "$A" -H "$J" -d '{"description":"x"}'
ti_expect_status 422
ti_expect_json 'j' '{"detail": [{"type": "missing", "loc": ["body", "title"], "msg": "Field required", "input": {"description": "x"}}]}'
LONG=$(printf 'x%.0s' $(seq 501))
call "title too long" POST /api/users/123/todos "$A" -H "$J" -d "{\"title\":\"$LONG\"}"
ti_expect_status 422
ti_expect_json 'j["detail"][0]["type"], j["detail"][0]["msg"], j["detail"][0]["ctx"], len(j["detail"][0]["input"])' \
    '["string_too_long", "String should have at most 500 characters", {"max_length": 500}, 501]'
call "three bad fields" PUT /api/users/123/todos/1 "$A" -H "$J" \
    -d '{"description":5,"completed":"yes","colour":"red"}'
ti_expect_status 422
ti_expect_json 'sorted((e["type"], e["loc"][1], e.get("input")) for e in j["detail"])' \
    '[["bool_type", "completed", "yes"], ["extra_forbidden", "colour", "red"], ["missing", "title", {"description": 5, "completed": "yes", "colour": "red"}], ["string_type", "description", 5]]'
call "limit=abc" GET "/api/users/123/todos?limit=abc" "$A"
ti_expect_status 422
ti_expect_json 'j' '{"detail": [{"type": "int_parsing", "loc": ["query", "limit"], "msg": "Input should be a valid integer, unable to parse string as an integer", "input": "abc"}]}'
call "limit=0" GET "/api/users/123/todos?limit=0" "$A"
ti_expect_json 'j["detail"][0]["type"], j["detail"][0]["msg"], j["detail"][0]["ctx"]' \
    '["greater_than_equal", "Input should be greater than or equal to 1", {"ge": 1}]'
call "not JSON" POST /api/users/123/todos "$A" -H "$J" -d '{"title": '
ti_expect_status 422
ti_expect_json '[j["detail"][0][k] for k in ("type", "msg", "input")] + [j["detail"][0]["loc"][0], type(j["detail"][0]["loc"][1]).__name__]' \
    '["json_invalid", "JSON decode error", {}, "body", "int"]'
call "an array" POST /api/users/123/todos "$A" -H "$J" -d '[]'
ti_expect_status 422
ti_expect_json 'j["detail"]' '[{"type": "model_attributes_type", "loc": ["body"], "msg": "Input should be a valid dictionary or object to extract fields from", "input": []}]'
ti_expect_true "nothing stored by a refused request" test "$before" = "$(snap)"

# The same requests against a real FastAPI app with the same model: the
# same fields are flagged, with the same kinds of error.  Debian's
# FastAPI speaks pydantic v1, whose type names map one to one.
if [ "$FORMAT" = detail ] &&
    /usr/bin/python3 -c 'import fastapi, uvicorn' 2>/dev/null; then
	cat >"$T/app.py" <<'PY'
from typing import Optional
from fastapi import FastAPI, Query
from pydantic import BaseModel, StrictBool, constr

class TodoIn(BaseModel):
    title: constr(strict=True, strip_whitespace=True, min_length=1,
                  max_length=500)
    description: Optional[constr(strict=True, max_length=5000)] = None
    completed: StrictBool = False

    class Config:
        extra = "forbid"

app = FastAPI()

@app.post("/api/users/{user_id}/todos")
def create(user_id: int, todo: TodoIn):
    return {}

@app.put("/api/users/{user_id}/todos/{todo_id}")
def update(user_id: int, todo_id: int, todo: TodoIn):
    return {}

@app.get("/api/users/{user_id}/todos")
def todos(user_id: int, limit: int = Query(20, ge=1, le=100),
          offset: int = Query(0, ge=0, le=1000000000),
          completed: Optional[bool] = None):
    return []
PY
	fastapi_app()
	{
		cd "$T" && exec /usr/bin/python3 -m uvicorn app:app \
		    --host 127.0.0.1 --port "$TI_PORT" --log-level warning
	}
	ti_serve_aside fastapi ts_wait fastapi_app
	# v1 type -> v2 type (the boolean of a query parses: bool_parsing).
	MAP='{"value_error.missing": "missing", "type_error.str": "string_type",
	    "value_error.any_str.max_length": "string_too_long",
	    "value_error.any_str.min_length": "string_too_short",
	    "type_error.bool": "bool_type", "value_error.strictbool": "bool_type",
	    "type_error.integer": "int_parsing",
	    "value_error.number.not_ge": "greater_than_equal",
	    "value_error.number.not_le": "less_than_equal",
	    "value_error.extra": "extra_forbidden",
	    "value_error.jsondecode": "json_invalid",
	    "type_error.dict": "model_attributes_type"}'
	same()
	{
		local label=$1 method=$2 path=$3 body=$4 theirs ours

		if [ -n "$body" ]; then
			call "$label" "$method" "$path" "$A" -H "$J" -d "$body"
		else
			call "$label" "$method" "$path" "$A"
		fi
		ours=$(ti_json 'sorted([e["type"].replace("bool_parsing", "bool_type")] + [str(x) if e["type"] != "json_invalid" else "" for x in e["loc"][:2]] for e in j["detail"])')
		theirs=$(curl -sS -X "$method" ${body:+-H "$J" --data-binary "$body"} \
		    "http://127.0.0.1:$TI_ASIDE_PORT$path" | /usr/bin/python3 -c "
import json, sys
m = json.loads('''$MAP''')
j = json.load(sys.stdin)
print(json.dumps(sorted([m.get(e['type'], e['type'])] + [str(x) if e['type'] != 'value_error.jsondecode' else '' for x in e['loc'][:2]] for e in j['detail'])))")
		if [ "$ours" = "$theirs" ]; then
			ti_pass
		else
			ti_fail "same fields and types as FastAPI" "$theirs" "$ours"
		fi
	}
	same "FastAPI: no title" POST /api/users/123/todos '{"description":"x"}'
	same "FastAPI: title a number" POST /api/users/123/todos '{"title":5}'
	same "FastAPI: title blank" POST /api/users/123/todos '{"title":"   "}'
	same "FastAPI: title too long" POST /api/users/123/todos "{\"title\":\"$LONG\"}"
	same "FastAPI: three bad fields" PUT /api/users/123/todos/1 \
	    '{"description":5,"completed":"yes","colour":"red"}'
	same "FastAPI: not JSON" POST /api/users/123/todos '{"title": '
	# (A body that is an array: FastAPI 0.92 reports the model's fields
	# missing, FastAPI on pydantic v2 model_attributes_type, as above.)
	same "FastAPI: limit=abc" GET "/api/users/123/todos?limit=abc" ""
	same "FastAPI: limit=0" GET "/api/users/123/todos?limit=0" ""
	same "FastAPI: limit=101" GET "/api/users/123/todos?limit=101" ""
	same "FastAPI: offset=-1" GET "/api/users/123/todos?offset=-1" ""
fi

ti_done
