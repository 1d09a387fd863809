#!/bin/bash
# todos_pathvars.sh: path variables are percent-decoded once, as RFC 3986
# says, before they are compared with the token's subject: the subject
# "ann@example.com" owns /api/users/ann%40example.com/todos.  A bad
# escape or an encoded NUL never matches a route (404), and an encoded
# slash stays inside its one segment.
[ -n "${BASH_VERSION:-}" ] || exec bash "$(dirname "$0")/$(basename "$0")" "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/todos_env.sh"

ti_init
todos_start

A=$(tok ann@example.com)
B=$(tok 'a/b')
J='Content-Type: application/json'

call "encoded @ is the subject" GET /api/users/ann%40example.com/todos "$A"
ti_expect_status 200
call "create under the encoded path" POST /api/users/ann%40example.com/todos \
    "$A" -H "$J" -d '{"title":"decoded"}'
ti_expect_status 201
ti_expect_true "row owned by the decoded subject" [ "$(ti_sql \
    "SELECT user_id FROM todos")" = ann@example.com ]
call "the raw @ works too" GET /api/users/ann@example.com/todos "$A"
ti_expect_status 200
ti_expect_json 'len(j)' 1
call "another subject, encoded" GET /api/users/bob%40example.com/todos "$A"
ti_expect_error 403 forbidden
# nginx refuses these itself (400), so ask the program directly, as CGI.
cgi_status()
{
	REQUEST_METHOD=GET REQUEST_URI=$1 HTTP_AUTHORIZATION="Bearer $A" \
	    GATEWAY_INTERFACE=CGI/1.1 "$top_builddir/cgi-bin/todos" 2>/dev/null |
	    sed -n 's/^Status: \([0-9]*\).*/\1/p'
}
for path in /api/users/ann%4gexample.com/todos /api/users/ann%4/todos \
    /api/users/ann%00/todos /api/users/ann%40example.com%00/todos; do
	TI_CASE="CGI $path"
	got=$(cgi_status "$path")
	if [ "$got" = 404 ]; then ti_pass; else ti_fail status 404 "$got"; fi
done
TI_CASE="CGI control"
got=$(cgi_status /api/users/ann%40example.com/todos)
if [ "$got" = 200 ]; then ti_pass; else ti_fail status 200 "$got"; fi
call "encoded slash stays in its segment" GET /api/users/a%2Fb/todos "$B"
ti_expect_status 200
ti_expect_logs_clean
ti_done
