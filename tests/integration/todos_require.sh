#!/bin/bash
# todos_require.sh: per-route requirements of todos through nginx, as an
# API whose tokens carry scopes would set them: every route needs
# AUTH_REQUIRE=scope:todos.read (the configuration's default here), and
# writes (POST, PUT, PATCH, DELETE) AUTH_REQUIRE_WRITE=scope:todos.write
# on top (a FastCGI parameter of the /api/ location).  A token without
# the write scope reads but cannot write (403 insufficient_scope, the
# database unchanged); one with it does both; the path's user check
# still holds.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/todos_env.sh"

ti_init nginx
# todos_start's nginx, with the write rule on its location.
ti_db_setup "$T/todos.db"
TODOS_SECRET=$(head -c 32 /dev/urandom | base64 | tr -d '\n')
ti_config "$T/auth.conf" "JWT_SECRET=$TODOS_SECRET" "DATABASE_URL=$DB_URL" \
    LOG_LEVEL=info AUTH_REQUIRE=scope:todos.read
chmod 600 "$T/auth.conf"
export AUTH_CONFIG=$T/auth.conf
"$AUTHCTL" db migrate >/dev/null || { echo "migrate failed"; exit 99; }
ti_spawn todos "$top_builddir/cgi-bin/todos"
TI_NGINX_SERVER_EXTRA="
		location /api/ {
			include $T/fastcgi.params;
			fastcgi_param AUTH_REQUIRE_WRITE \"scope:todos.write\";
			fastcgi_pass u_todos;
		}"
# An upstream for todos without a location of ti_nginx_conf's own.
ti_route /unused-todos/ todos
ti_nginx

R=$(tok alice --claim 'scope=todos.read')
W=$(tok alice --claim 'scope=todos.read todos.write')
N=$(tok alice)
J='Content-Type: application/json'
count() { ti_sql "SELECT count(*) FROM todos"; }

ti_request "read with the read scope" /api/users/alice/todos \
    -H "Authorization: Bearer $R"
ti_expect_status 200
ti_request "read without any scope" /api/users/alice/todos \
    -H "Authorization: Bearer $N"
ti_expect_status 403
ti_expect_json 'j["error"]["reason"]' insufficient_scope
ti_expect_header WWW-Authenticate 'scope="todos.read"'

ti_request "create without the write scope" /api/users/alice/todos \
    -X POST -H "Authorization: Bearer $R" -H "$J" --data '{"title":"no"}'
ti_expect_status 403
ti_expect_json 'j["error"]["reason"]' insufficient_scope
ti_expect_header WWW-Authenticate \
    'error="insufficient_scope", error_description="requires scope:todos.write", scope="todos.write"'
ti_expect_true "nothing written" test "$(count)" = 0

ti_request "create with the write scope" /api/users/alice/todos \
    -X POST -H "Authorization: Bearer $W" -H "$J" --data '{"title":"yes"}'
ti_expect_status 201
ID=$(ti_json 'j["id"]')
ti_expect_true "one row" test "$(count)" = 1

for m in PUT PATCH; do
	ti_request "$m without the write scope" "/api/users/alice/todos/$ID" \
	    -X "$m" -H "Authorization: Bearer $R" -H "$J" \
	    --data '{"title":"changed","completed":true}'
	ti_expect_status 403
done
ti_expect_true "the title unchanged" test \
    "$(ti_sql "SELECT title FROM todos WHERE id = $ID")" = yes
ti_request "PATCH with the write scope" "/api/users/alice/todos/$ID" \
    -X PATCH -H "Authorization: Bearer $W" -H "$J" --data '{"completed":true}'
ti_expect_status 200
ti_request "DELETE without the write scope" "/api/users/alice/todos/$ID" \
    -X DELETE -H "Authorization: Bearer $R"
ti_expect_status 403
ti_expect_true "still there" test "$(count)" = 1
ti_request "read one with the read scope" "/api/users/alice/todos/$ID" \
    -H "Authorization: Bearer $R"
ti_expect_status 200
ti_request "another user's path, both scopes" /api/users/bob/todos \
    -X POST -H "Authorization: Bearer $W" -H "$J" --data '{"title":"x"}'
ti_expect_status 403
ti_expect_json 'j["error"]["reason"]' forbidden
ti_request "DELETE with the write scope" "/api/users/alice/todos/$ID" \
    -X DELETE -H "Authorization: Bearer $W"
ti_expect_status 204
ti_expect_true "gone" test "$(count)" = 0

ti_expect_logs_clean
ti_done
