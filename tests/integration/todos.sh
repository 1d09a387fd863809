#!/bin/bash
# todos.sh: the todos program through nginx and spawn-fcgi.  The checks every
# client relies on (200, 401 without a token, with "Bearer
# invalid-token", with Basic, with an expired token, 403 for another
# user) on all three route shapes; a create/read/update/delete round
# trip on each; pagination (offset and cursor) and the completed filter;
# user A cannot read, change or delete user B's todo (404, and the
# database still holds B's row as it was); every bad input answers
# 400/404/405/413/415/422 and leaves the database unchanged; CORS
# preflight from an allowed and a disallowed origin; security headers.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/todos_env.sh"

ti_init
ORIGIN=https://app.example.test
todos_start "ALLOWED_ORIGINS=$ORIGIN" AUTH_MAX_BODY_BYTES=4096

A=$(tok alice)
B=$(tok bob)
C=$(tok carol)
X=$(expired alice)
J='Content-Type: application/json'

# The security headers of every answer, and JSON where there is a body.
web_manners()
{
	ti_expect_header X-Content-Type-Options '^nosniff$'
	ti_expect_header X-Frame-Options '^DENY$'
	ti_expect_header Content-Security-Policy "default-src 'none'"
	ti_expect_header Referrer-Policy '.'
	if [ -s "$T/last.body" ]; then
		ti_expect_header Content-Type '^application/json'
	fi
}

# expect_reason STATUS REASON: the envelope, whatever the details.
expect_reason()
{
	ti_expect_status "$1"
	ti_expect_json 'j["error"]["reason"]' "$2"
	web_manners
}

# --- What every client relies on, on all three route shapes ----------
for shape in "/api/users/%s/todos" "/api/%s/tasks" "/api/v1/%s/tasks"; do
	own=$(printf "$shape" alice)
	other=$(printf "$shape" bob)

	call "$own valid" GET "$own" "$A"
	ti_expect_status 200
	ti_expect_json 'j' '[]'
	web_manners
	call "$own no token" GET "$own" ""
	ti_expect_error 401 token_missing
	ti_expect_header WWW-Authenticate '^Bearer'
	web_manners
	call "$own invalid-token" GET "$own" invalid-token
	ti_expect_error 401 token_malformed
	ti_expect_header WWW-Authenticate 'error="invalid_token"'
	call "$own Basic" GET "$own" "" -H 'Authorization: Basic YTpi'
	ti_expect_error 401 auth_scheme_unsupported
	ti_expect_header WWW-Authenticate '^Bearer'
	call "$own expired" GET "$own" "$X"
	ti_expect_error 401 token_expired
	ti_expect_header WWW-Authenticate 'error="invalid_token"'
	call "$other other user" GET "$other" "$A"
	ti_expect_error 403 forbidden
	ti_expect_json 'j["error"]["message"]' \
	    'You can only access your own resources'
	call "$other other user POST" POST "$other" "$A" -H "$J" \
	    -d '{"title":"sneak"}'
	ti_expect_error 403 forbidden
	call "$other/1 other user item" DELETE "$other/1" "$A"
	ti_expect_error 403 forbidden
done
ti_expect_true "403 and 401 created nothing" [ -z "$(snap)" ]

call "me" GET /api/v1/me "$A"
ti_expect_status 200
ti_expect_json 'j["user_id"]' alice
web_manners
call "me without token" GET /api/v1/me ""
ti_expect_error 401 token_missing

# --- Create, read, update, delete on each shape ----------------------
for shape in "/api/users/%s/todos" "/api/%s/tasks" "/api/v1/%s/tasks"; do
	base=$(printf "$shape" alice)
	call "$base create" POST "$base" "$A" -H "$J" \
	    -d '{"title":"  Buy milk  ","description":"2 litres"}'
	ti_expect_status 201
	web_manners
	ti_expect_json 'j["title"]' 'Buy milk'
	ti_expect_json 'j["description"]' '2 litres'
	ti_expect_json 'j["completed"]' false
	ti_expect_json 'j["user_id"]' alice
	ti_expect_json 'sorted(j)' '["completed", "created_at", "description", "id", "title", "updated_at", "user_id"]'
	id=$(ti_json 'j["id"]')
	ti_expect_header Location "^$base/$id\$"

	call "$base read" GET "$base/$id" "$A"
	ti_expect_status 200
	ti_expect_json 'j["title"]' 'Buy milk'

	call "$base patch" PATCH "$base/$id" "$A" -H "$J" \
	    -d '{"completed":true}'
	ti_expect_status 200
	ti_expect_json 'j["completed"]' true
	ti_expect_json 'j["title"]' 'Buy milk'
	ti_expect_json 'j["description"]' '2 litres'

	call "$base put" PUT "$base/$id" "$A" -H "$J" -d '{"title":"Buy oat milk"}'
	ti_expect_status 200
	ti_expect_json 'j["title"]' 'Buy oat milk'
	# PUT replaces: absent description and completed take their defaults.
	ti_expect_json 'j["description"]' null
	ti_expect_json 'j["completed"]' false
	ti_expect_true "$base put stored" [ "$(ti_sql \
	    "SELECT title, CASE WHEN description IS NULL THEN 1 ELSE 0 END, completed FROM todos WHERE id = $id")" = "Buy oat milk|1|0" ]

	call "$base patch description null" PATCH "$base/$id" "$A" -H "$J" \
	    -d '{"description":"x"}'
	call "$base patch description null" PATCH "$base/$id" "$A" -H "$J" \
	    -d '{"description":null}'
	ti_expect_status 200
	ti_expect_json 'j["description"]' null

	call "$base list" GET "$base" "$A"
	ti_expect_status 200
	ti_expect_json "[t['id'] for t in j]" "[$id]"

	call "$base delete" DELETE "$base/$id" "$A"
	ti_expect_status 204
	web_manners
	ti_expect_true "$base delete: empty body" [ ! -s "$T/last.body" ]
	call "$base read deleted" GET "$base/$id" "$A"
	ti_expect_error 404 not_found
	call "$base delete again" DELETE "$base/$id" "$A"
	ti_expect_error 404 not_found
done
ti_expect_true "round trips left nothing" [ -z "$(snap)" ]

# --- Pagination and filtering ---------------------------------------
base=/api/users/carol/todos
for i in $(seq 1 25); do
	if [ $((i % 5)) -eq 0 ]; then done=true; else done=false; fi
	call "fill $i" POST "$base" "$C" -H "$J" \
	    -d "{\"title\":\"todo $i\",\"completed\":$done}"
	[ "$TI_STATUS" = 201 ] || ti_fail "fill $i" 201 "$TI_STATUS"
done
all=$(ti_sql "SELECT id FROM todos WHERE user_id = 'carol' ORDER BY id DESC" | paste -sd, -)

call "page default" GET "$base" "$C"
ti_expect_status 200
ti_expect_json 'len(j)' 20
ti_expect_json 'j[0]["title"]' 'todo 25'
ti_expect_json 'all(j[i]["id"] > j[i + 1]["id"] for i in range(len(j) - 1))' true
ti_expect_header X-Total-Count '^25$'
ti_expect_header X-Next-Cursor '^[0-9]+$'
page1=$(ti_json '",".join(str(t["id"]) for t in j)')
cursor=$(ti_header X-Next-Cursor)
call "page by cursor" GET "$base?cursor=$cursor" "$C"
ti_expect_status 200
ti_expect_json 'len(j)' 5
ti_expect_no_header X-Next-Cursor
page2=$(ti_json '",".join(str(t["id"]) for t in j)')
ti_expect_true "cursor pages cover every todo once, newest first" \
    [ "$page1,$page2" = "$all" ]
call "page by offset" GET "$base?offset=20&limit=3" "$C"
ti_expect_status 200
ti_expect_json '",".join(str(t["id"]) for t in j)' "$(echo "$all" | cut -d, -f21-23)"
ti_expect_header X-Next-Cursor '^[0-9]+$'
call "limit 100" GET "$base?limit=100" "$C"
ti_expect_json 'len(j)' 25
call "limit 7" GET "$base?limit=7" "$C"
ti_expect_json 'len(j)' 7
call "completed=true" GET "$base?completed=true" "$C"
ti_expect_status 200
ti_expect_json 'sorted(t["title"] for t in j)' \
    '["todo 10", "todo 15", "todo 20", "todo 25", "todo 5"]'
ti_expect_header X-Total-Count '^5$'
call "completed=false" GET "$base?completed=false&limit=100" "$C"
ti_expect_json 'len(j)' 20
ti_expect_json 'any(t["completed"] for t in j)' false
ti_expect_header X-Total-Count '^20$'
call "completed=false cursor" GET \
    "$base?completed=false&limit=15" "$C"
cursor=$(ti_header X-Next-Cursor)
call "completed=false cursor" GET \
    "$base?completed=false&limit=15&cursor=$cursor" "$C"
ti_expect_json 'len(j)' 5
ti_expect_json 'any(t["completed"] for t in j)' false
# curl --head writes the headers where the body would go.
ti_request "HEAD list" "$base" --head -H "Authorization: Bearer $C"
ti_expect_status 200
ti_expect_true "HEAD: no body" [ -z "$(grep -F '"title"' "$T/last.body")" ]

# --- User A cannot touch user B's todo -----------------------------
call "bob creates" POST /api/users/bob/todos "$B" -H "$J" \
    -d '{"title":"bob secret","description":"mine"}'
ti_expect_status 201
bid=$(ti_json 'j["id"]')
row_before=$(ti_sql "SELECT * FROM todos WHERE id = $bid")
for shape in "/api/users/alice/todos" "/api/alice/tasks" "/api/v1/alice/tasks"; do
	call "alice reads bob's $shape" GET "$shape/$bid" "$A"
	ti_expect_error 404 not_found
	call "alice puts bob's $shape" PUT "$shape/$bid" "$A" -H "$J" \
	    -d '{"title":"pwned"}'
	ti_expect_error 404 not_found
	call "alice patches bob's $shape" PATCH "$shape/$bid" "$A" -H "$J" \
	    -d '{"completed":true}'
	ti_expect_error 404 not_found
	call "alice deletes bob's $shape" DELETE "$shape/$bid" "$A"
	ti_expect_error 404 not_found
	call "alice lists $shape" GET "$shape" "$A"
	ti_expect_json 'j' '[]'
done
ti_expect_true "bob's row unchanged in the database" [ "$(ti_sql \
    "SELECT * FROM todos WHERE id = $bid")" = "$row_before" ]
ti_expect_true "bob's row still bob's" [ "$(ti_sql \
    "SELECT user_id, title FROM todos WHERE id = $bid")" = "bob|bob secret" ]
ti_expect_true "alice owns no rows" [ "$(ti_sql \
    "SELECT count(*) FROM todos WHERE user_id = 'alice'")" = 0 ]

# --- Bad input: clear 4xx, database unchanged ----------------------
call "alice creates" POST /api/users/alice/todos "$A" -H "$J" -d '{"title":"keep"}'
aid=$(ti_json 'j["id"]')
before=$(snap)
item=/api/users/alice/todos/$aid
coll=/api/users/alice/todos

# expect_details JSON: the 422's details as sorted [field, ...].
expect_422()
{
	expect_reason 422 validation_failed
	ti_expect_json 'sorted(d["field"] for d in j["error"]["details"])' "$1"
	ti_expect_json 'all(isinstance(d["message"], str) and d["message"] for d in j["error"]["details"])' true
}

for target in "POST $coll" "PUT $item" "PATCH $item"; do
	m=${target% *}
	p=${target#* }
	call "$m malformed json" $m "$p" "$A" -H "$J" -d '{"title":'
	expect_reason 400 body_malformed
	call "$m trailing garbage" $m "$p" "$A" -H "$J" -d '{"title":"a"} x'
	expect_reason 400 body_malformed
	call "$m not an object" $m "$p" "$A" -H "$J" -d '["title"]'
	expect_reason 400 body_malformed
	call "$m empty body" $m "$p" "$A" -H "$J" -d ''
	expect_reason 400 body_malformed
	call "$m text/plain" $m "$p" "$A" -H 'Content-Type: text/plain' \
	    -d '{"title":"a"}'
	expect_reason 415 media_type_unsupported
	call "$m form" $m "$p" "$A" -d 'title=a'
	expect_reason 415 media_type_unsupported
	call "$m too large" $m "$p" "$A" -H "$J" \
	    -d "{\"title\":\"$(head -c 5000 /dev/zero | tr '\0' a)\"}"
	expect_reason 413 body_too_large
	call "$m title blank" $m "$p" "$A" -H "$J" -d '{"title":"   "}'
	expect_422 '["title"]'
	call "$m title 501" $m "$p" "$A" -H "$J" \
	    -d "{\"title\":\"$(head -c 501 /dev/zero | tr '\0' a)\"}"
	expect_422 '["title"]'
	call "$m title 501 multibyte" $m "$p" "$A" -H "$J" \
	    -d "{\"title\":\"$(for i in $(seq 1 501); do printf '\303\251'; done)\"}"
	expect_422 '["title"]'
	call "$m title number" $m "$p" "$A" -H "$J" -d '{"title":42}'
	expect_422 '["title"]'
	call "$m title null" $m "$p" "$A" -H "$J" -d '{"title":null}'
	expect_422 '["title"]'
	call "$m title NUL" $m "$p" "$A" -H "$J" -d '{"title":"a\u0000b"}'
	expect_422 '["title"]'
	# Latin-1 bytes, not UTF-8: stored, they would be echoed as a
	# body that is not JSON (RFC 8259 wants UTF-8).
	call "$m title invalid UTF-8" $m "$p" "$A" -H "$J" \
	    -d "$(printf '{"title":"caf\351 cr\350me"}')"
	expect_422 '["title"]'
	call "$m completed string" $m "$p" "$A" -H "$J" \
	    -d '{"title":"a","completed":"yes"}'
	expect_422 '["completed"]'
	call "$m description number" $m "$p" "$A" -H "$J" \
	    -d '{"title":"a","description":7}'
	expect_422 '["description"]'
	call "$m unknown field" $m "$p" "$A" -H "$J" \
	    -d '{"title":"a","priority":1}'
	expect_422 '["priority"]'
	call "$m three bad fields" $m "$p" "$A" -H "$J" \
	    -d '{"title":"","completed":1,"description":false}'
	expect_422 '["completed", "description", "title"]'
done
call "POST without title" POST "$coll" "$A" -H "$J" -d '{"completed":true}'
expect_422 '["title"]'
call "PUT without title" PUT "$item" "$A" -H "$J" -d '{"description":"d"}'
expect_422 '["title"]'

for m in GET PUT PATCH DELETE; do
	for bad in abc 0 -1 1e3 99999999999999999999 "$aid%20" 0x10; do
		call "$m id $bad" $m "$coll/$bad" "$A" -H "$J" -d '{"title":"a"}'
		expect_reason 404 not_found
	done
done
for q in limit=0 limit=101 limit=abc limit= "limit=$(head -c 40 /dev/zero | tr '\0' 9)" \
    offset=-1 offset=x cursor=0 cursor=abc completed=yes completed=1; do
	call "list ?$q" GET "$coll?$q" "$A"
	expect_422 "[\"${q%%=*}\"]"
done
call "list two bad parameters" GET "$coll?limit=0&completed=maybe" "$A"
expect_422 '["completed", "limit"]'

call "unknown route" GET /api/users/alice/todo "$A"
expect_reason 404 not_found
call "unknown route deeper" GET "$item/extra" "$A"
expect_reason 404 not_found
call "unknown route /api/v1" GET /api/v1/alice "$A"
expect_reason 404 not_found
call "wrong method on collection" DELETE "$coll" "$A"
expect_reason 405 method_not_allowed
ti_expect_header Allow 'GET'
ti_expect_header Allow 'POST'
ti_expect_no_header Allow 'DELETE'
call "wrong method on item" POST "$item" "$A" -H "$J" -d '{"title":"a"}'
expect_reason 405 method_not_allowed
ti_expect_header Allow 'PUT'
ti_expect_header Allow 'PATCH'
ti_expect_header Allow 'DELETE'
call "wrong method on me" POST /api/v1/me "$A"
expect_reason 405 method_not_allowed

ti_expect_true "bad input changed nothing in the database" \
    [ "$(snap)" = "$before" ]

# A 500-character title (of two-byte characters) is fine.
call "title 500 multibyte" POST "$coll" "$A" -H "$J" \
    -d "{\"title\":\"$(for i in $(seq 1 500); do printf '\303\251'; done)\"}"
ti_expect_status 201
ti_expect_json 'len(j["title"])' 500

# --- CORS ------------------------------------------------------------
call "preflight allowed" OPTIONS "$coll" "" -H "Origin: $ORIGIN" \
    -H 'Access-Control-Request-Method: POST' \
    -H 'Access-Control-Request-Headers: authorization, content-type'
ti_expect_status 204
ti_expect_header Access-Control-Allow-Origin "^$ORIGIN\$"
ti_expect_header Access-Control-Allow-Credentials '^true$'
ti_expect_header Access-Control-Allow-Methods 'POST'
ti_expect_header Access-Control-Allow-Headers '[Aa]uthorization'
web_manners
call "preflight disallowed" OPTIONS "$coll" "" \
    -H 'Origin: https://evil.example.test' \
    -H 'Access-Control-Request-Method: POST'
ti_expect_status 204
ti_expect_no_header Access-Control-Allow-Origin
ti_expect_no_header Access-Control-Allow-Credentials
ti_expect_no_header Access-Control-Allow-Methods
call "GET from allowed origin" GET "$coll" "$A" -H "Origin: $ORIGIN"
ti_expect_status 200
ti_expect_header Access-Control-Allow-Origin "^$ORIGIN\$"
ti_expect_header Access-Control-Expose-Headers 'X-Next-Cursor'
call "GET from disallowed origin" GET "$coll" "$A" \
    -H 'Origin: https://evil.example.test'
ti_expect_status 200
ti_expect_no_header Access-Control-Allow-Origin
call "401 from allowed origin" GET "$coll" "" -H "Origin: $ORIGIN"
ti_expect_status 401
ti_expect_header Access-Control-Allow-Origin "^$ORIGIN\$"

call "openapi" GET /api/openapi.json ""
ti_expect_status 200
ti_expect_json 'j["openapi"][:2]' '3.'
web_manners

ti_expect_no_secret "$T/todos.log" "$A" "$B" "$C" "$X" "$TODOS_SECRET"
ti_expect_logs_clean
ti_done
