#!/bin/bash
# rollout.sh: the hybrid-JWT guide's rollout plan, walked with 200 users
# through nginx: refresh, verify (2 processes) and todos under
# spawn-fcgi, one configuration file whose flags change while they run.
#
#   1. JWT_AUTH_ENABLED=false, JWT_ROLLOUT_PERCENTAGE=0: every login
#      gets a server-side session (sessionToken cookie, no access token),
#      which verify and todos accept (X-Auth-Subject = the user id,
#      auth_method=session in the log).
#   2. true, 10 (read on SIGHUP): exactly the users whose bucket
#      (SHA-256(id) mod 100, computed here independently) is below 10 get
#      an access token and a refresh cookie at login, the others a
#      session; every session of step 1 still works.
#   3. 100 (read because the file changed, no signal): everyone gets
#      JWT; the sessions and tokens of steps 1-2 still work.
#   4. 0 (SIGHUP): the next refresh of every user gives a session cookie
#      and clears the refresh cookie; the access tokens already out still
#      work, so nobody is logged out; then JWT_AUTH_ENABLED=false refuses
#      every Bearer token with 401 jwt_disabled while the sessions work.
# The users are made in one statement (one argon2id hash copied, with
# AUTH_PASSWORD_HASH_MEMORY_KIB=8 so that 800 logins take a second);
# the requests come from one Python client over kept-alive connections.
# rollout_pg.sh runs the same on PostgreSQL, where user_sessions is also
# queried as the guide does (expires_at > NOW()).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_pg.sh"

ti_init
[ -x /usr/bin/python3 ] || ti_skip "/usr/bin/python3 is needed"
ti_db_setup "$T/auth.db"
ti_key "$T/jwt.key"
conf()
{
	ti_config "$T/auth.conf" "JWT_SECRET_FILE=$T/jwt.key" \
	    "DATABASE_URL=$DB_URL" "AUTH_COOKIE_SECURE=false" \
	    "AUTH_PASSWORD_HASH_MEMORY_KIB=8" "LOG_LEVEL=debug" \
	    "JWT_AUTH_ENABLED=$1" "JWT_ROLLOUT_PERCENTAGE=$2"
	chmod 600 "$T/auth.conf"
}
conf false 0
export AUTH_CONFIG=$T/auth.conf
"$AUTHCTL" db migrate >/dev/null || { echo "migrate failed"; exit 99; }
echo "pw-of-everyone-123" | "$AUTHCTL" user add user1@example.com \
    >/dev/null 2>&1 || { echo "user add failed"; exit 99; }
case $DB_URL in
postgres*) newid="md5(random()::text || i::text)" ;;
*) newid="lower(hex(randomblob(16)))" ;;
esac
ti_sql "INSERT INTO users (id, email, password_hash, disabled, created,
    updated, email_verified) WITH RECURSIVE n(i) AS (SELECT 2 UNION ALL
    SELECT i + 1 FROM n WHERE i < 200) SELECT $newid, 'user' || i ||
    '@example.com', (SELECT password_hash FROM users WHERE
    email = 'user1@example.com'), 0, 0, 0, 1 FROM n" ||
    { echo "bulk insert failed"; exit 99; }
ti_sql "SELECT id || ' ' || email FROM users" >"$T/users.txt"
[ "$(wc -l <"$T/users.txt")" -eq 200 ] || { echo "not 200 users"; exit 99; }

ti_spawn auth "$top_builddir/cgi-bin/refresh" 1
ti_spawn verify "$top_builddir/cgi-bin/verify" 2
ti_spawn todos "$top_builddir/cgi-bin/todos" 1
ti_route /api/auth/ auth
ti_route /verify verify
ti_route /api/ todos
ti_nginx
# (spawn-fcgi's pid files end without a newline: one at a time.)
hup() { local f; for f in auth verify todos; do kill -HUP $(cat "$T/$f.pid"); done; }

# One client for every step; its state (cookies, tokens) lives in
# $T/state.json between steps.  It prints "ok NAME" / "FAIL NAME: why".
cat >"$T/client.py" <<'EOF'
import hashlib, http.client, json, os, sys

port, step = int(sys.argv[1]), sys.argv[2]
T = os.environ["T"]
users = [l.split() for l in open(T + "/users.txt") if l.strip()]
state_path = T + "/state.json"
state = json.load(open(state_path)) if os.path.exists(state_path) else {}
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
fails = []

def req(method, path, body=None, headers=None):
    h = {"Sec-Fetch-Site": "same-origin"}
    h.update(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body)
        h["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=h)
    r = conn.getresponse()
    b = r.read()
    cookies = {}
    for k, v in r.getheaders():
        if k.lower() == "set-cookie":
            name, _, rest = v.partition("=")
            cookies[name] = (rest.split(";")[0], v)
    return r.status, r, b, cookies

def bucket(uid):
    return int.from_bytes(hashlib.sha256(uid.encode()).digest()[:4], "big") % 100

def check(cond, what):
    if not cond:
        fails.append(what)

def login(uid, email):
    st, r, b, ck = req("POST", "/api/auth/login",
                       {"email": email, "password": "pw-of-everyone-123"})
    check(st == 200, "%s login: %d %s" % (email, st, b[:200]))
    o = json.loads(b) if st == 200 else {}
    if "accessToken" in o:
        check("refreshToken" in ck and "sessionToken" not in ck,
              "%s: JWT login without the refresh cookie" % email)
        return "jwt", o["accessToken"], ck.get("refreshToken", ("",))[0]
    # A refresh cookie the browser may still hold is cleared.
    check(o.get("authMethod") == "session" and "sessionToken" in ck and
          ck.get("refreshToken", ("",))[0] == "",
          "%s: a login that is neither: %s" % (email, b[:200]))
    v = ck.get("sessionToken", ("",))[1]
    check("HttpOnly" in v and "SameSite=Strict" in v and "Path=/;" in v,
          "%s: session cookie attributes: %s" % (email, v))
    return "session", ck.get("sessionToken", ("",))[0], None

def verify(uid, kind, cred, want=200, reason=None):
    h = {"Authorization": "Bearer " + cred} if kind == "jwt" else \
        {"Cookie": "sessionToken=" + cred}
    st, r, b, _ = req("GET", "/verify", headers=h)
    check(st == want, "%s %s verify: %d (want %d) %s" % (uid, kind, st, want, b[:200]))
    if want == 200 and st == 200:
        check(r.getheader("X-Auth-Subject") == uid,
              "%s: subject %s" % (uid, r.getheader("X-Auth-Subject")))
    if reason is not None:
        check(reason.encode() in b, "%s: reason %s not in %s" % (uid, reason, b[:200]))

def todos(uid, kind, cred):
    h = {"Authorization": "Bearer " + cred} if kind == "jwt" else \
        {"Cookie": "sessionToken=" + cred}
    st, r, b, _ = req("GET", "/api/users/%s/todos" % uid, headers=h)
    check(st == 200, "%s %s todos: %d %s" % (uid, kind, st, b[:200]))

def all_old_work(want=200, only=None, reason=None):
    for uid, creds in state.items():
        if uid.startswith("rt:"):
            continue
        for kind, cred in creds:
            if only is None or kind == only:
                verify(uid, kind, cred, want, reason)

def step_login(pct, enabled):
    got = {"jwt": 0, "session": 0}
    for uid, email in users:
        kind, cred, rt = login(uid, email)
        on = enabled and bucket(uid) < pct
        check(kind == ("jwt" if on else "session"),
              "%s (bucket %d) got %s at %d%%" % (uid, bucket(uid), kind, pct))
        got[kind] += 1
        verify(uid, kind, cred)
        state.setdefault(uid, []).append([kind, cred])
        if rt:
            state.setdefault("rt:" + uid, []).append(["rt", rt])
    print("step %s: %d on JWT, %d on sessions" % (step, got["jwt"], got["session"]))
    return got

if step == "1":
    got = step_login(0, False)
    check(got["session"] == 200, "step 1: not all on sessions")
    todos(users[0][0], "session", state[users[0][0]][0][1])
elif step == "2":
    all_old_work()
    got = step_login(10, True)
    want = sum(1 for uid, _ in users if bucket(uid) < 10)
    check(got["jwt"] == want and 0 < want < 60, "step 2: %d on JWT, want %d" % (got["jwt"], want))
elif step == "3":
    all_old_work()
    got = step_login(100, True)
    check(got["jwt"] == 200, "step 3: not all on JWT")
    todos(users[1][0], "jwt", state[users[1][0]][-1][1])
elif step == "4":
    # Percentage 0: the next refresh of everyone holding a refresh
    # cookie is a session; the access tokens already out keep working.
    n = 0
    for uid, _ in users:
        for _, rt in state.get("rt:" + uid, [])[-1:]:
            st, r, b, ck = req("POST", "/api/auth/refresh",
                               headers={"Cookie": "refreshToken=" + rt})
            o = json.loads(b) if st == 200 else {}
            check(st == 200 and o.get("authMethod") == "session" and
                  "accessToken" not in o, "%s refresh at 0%%: %d %s" % (uid, st, b[:200]))
            check(ck.get("refreshToken", ("x",))[0] == "" and
                  "Max-Age=0" in ck.get("refreshToken", ("", ""))[1],
                  "%s: refresh cookie not cleared" % uid)
            s = ck.get("sessionToken", ("",))[0]
            verify(uid, "session", s)
            state[uid].append(["session", s])
            n += 1
    check(n == 200, "step 4: %d refreshes, want 200" % n)
    all_old_work()
    got = step_login(0, True)
    check(got["session"] == 200, "step 4: logins not all on sessions")
    print("step 4: %d refreshes became sessions" % n)
elif step == "5":
    all_old_work(only="session")
    all_old_work(want=401, only="jwt", reason="jwt_disabled")
    todos(users[2][0], "session", [c for k, c in state[users[2][0]] if k == "session"][-1])
elif step == "6":
    for uid, _ in users[:20]:
        for kind, cred in state[uid]:
            verify(uid, kind, cred, 200 if kind == "session" else 401,
                   None if kind == "session" else "jwt_disabled")

json.dump(state, open(state_path, "w"))
for f in fails[:10]:
    print("FAIL %s" % f)
print("%s %d" % ("ok" if not fails else "failed", len(fails)))
EOF
export T
# run STEP: one step of the client, one check.
run()
{
	local t0=$(date +%s.%N)

	/usr/bin/python3 "$T/client.py" "$TI_PORT" "$1" >"$T/step$1.out" 2>&1
	grep -v '^ok\|^failed' "$T/step$1.out"
	echo "step $1 took $(echo "$(date +%s.%N) - $t0" | bc) s"
	TI_CASE="step $1: $2"
	if tail -n 1 "$T/step$1.out" | grep -q '^ok'; then
		ti_pass
	else
		ti_fail "$(tail -n 12 "$T/step$1.out")"
	fi
}
# flags_seen WHAT N: waits (5 s at most) until refresh and todos have
# logged the flags WHAT ("jwt_enabled=true rollout_percentage=10") and
# verify N times (one line per process that re-read them).
flags_seen()
{
	local i

	for i in $(seq 1 50); do
		grep -q "event=flags_reloaded $1\$" "$T/auth.log" &&
		    grep -q "event=flags_reloaded $1\$" "$T/todos.log" &&
		    [ "$(grep -c "event=flags_reloaded $1\$" "$T/verify.log")" -ge "$2" ] &&
		    return 0
		# A request lets a process look at the file (once a second).
		curl -s -o /dev/null "http://127.0.0.1:$TI_PORT/verify"
		curl -s -o /dev/null "http://127.0.0.1:$TI_PORT/api/v1/me"
		curl -s -o /dev/null -X POST "http://127.0.0.1:$TI_PORT/api/auth/logout"
		sleep 0.1
	done
	return 1
}

run 1 "JWT off, 0 %: every login is a session, accepted by verify and todos"
TI_CASE="auth_method=session in the request log"
grep -q 'auth_method=session' "$T/verify.log" && ti_pass || ti_fail "no auth_method=session"

conf true 10
hup
TI_CASE="SIGHUP: every process re-read the flags"
flags_seen "jwt_enabled=true rollout_percentage=10" 2 && ti_pass || ti_fail "$(grep -h flags_ "$T"/*.log)"
run 2 "10 %: the users of buckets 0-9 on JWT, the rest sessions, nobody logged out"
TI_CASE="auth_method=jwt in the request log"
grep -q 'auth_method=jwt' "$T/verify.log" && ti_pass || ti_fail "no auth_method=jwt"

sleep 1.1		# a new modification time on coarse clocks
conf true 100
TI_CASE="a changed file is re-read without a signal"
flags_seen "jwt_enabled=true rollout_percentage=100" 1 && ti_pass || ti_fail "$(grep -h flags_ "$T"/*.log)"
run 3 "100 %: everyone on JWT, earlier sessions and tokens still good"

conf true 0
hup
TI_CASE="SIGHUP again (0 %)"
flags_seen "jwt_enabled=true rollout_percentage=0" 2 && ti_pass || ti_fail "$(grep -h flags_ "$T"/*.log)"
run 4 "0 %: refreshes become sessions and clear the refresh cookie; logins are sessions"

conf false 0
hup
TI_CASE="SIGHUP: JWT_AUTH_ENABLED=false"
flags_seen "jwt_enabled=false rollout_percentage=0" 2 && ti_pass || ti_fail "$(grep -h flags_ "$T"/*.log)"
run 5 "JWT off: Bearer tokens 401 jwt_disabled, sessions still good"

# A file with a problem is refused; the flags stay, and so does
# everything else: the file also says AUTH_PASSWORD_HASH_MEMORY_KIB=16,
# and a login must not re-hash a password at that cost (it did: the
# scratch load of the refused file set the process-wide hash memory;
# checked at the end, after the session counts).
ti_config "$T/auth.conf" "JWT_SECRET_FILE=$T/jwt.key" "DATABASE_URL=$DB_URL" \
    "AUTH_COOKIE_SECURE=false" "JWT_ROLLOUT_PERCENTAGE=101" \
    "AUTH_PASSWORD_HASH_MEMORY_KIB=16"
hup
for i in $(seq 1 50); do
	grep -q 'event=config_reload_refused' "$T/auth.log" && break
	sleep 0.1
done
TI_CASE="a file with a problem is refused, the flags stay"
grep -q 'event=config_reload_refused.*JWT_ROLLOUT_PERCENTAGE' "$T/auth.log" &&
    ti_pass || ti_fail "$(grep -h config_ "$T/auth.log")"
run 6 "after the refused file: still JWT off (20 users), sessions good"
# The guide's troubleshooting queries.
TI_CASE="user_sessions: id, user_id, token (the hash), expires_at"
uid=$(head -n 1 "$T/users.txt" | cut -d' ' -f1)
case $DB_URL in
postgres*) now="NOW()" ;;
*) now="datetime('now')" ;;
esac
rows=$(ti_sql "SELECT id, token, expires_at FROM user_sessions WHERE user_id='$uid'")
live=$(ti_sql "SELECT COUNT(*) FROM user_sessions WHERE expires_at > $now")
echo "user_sessions: $(echo "$rows" | wc -l) rows of $uid, $live live in all"
# Four logins each (the conversion of step 4 keeps its session).
if echo "$rows" | grep -Eq '^[A-Za-z0-9_-]+[|][0-9a-f]{64}[|]20[0-9]{2}-' &&
    [ "$(echo "$rows" | wc -l)" -eq 4 ] && [ "$live" -eq 800 ]; then
	ti_pass
else
	ti_fail "$rows / $live"
fi
# (After the counts above: one login more.)
ti_request "login after the refused file" /api/auth/login -X POST \
    -H 'Content-Type: application/json' \
    --data '{"email":"user1@example.com","password":"pw-of-everyone-123"}'
ti_expect_status 200
TI_CASE="the refused file changed no password hash"
ti_expect_true "no hash at m=16 (the refused file's cost)" test \
    "$(ti_sql "SELECT count(*) FROM users WHERE password_hash LIKE '%m=16,%'")" = 0
ti_expect_true "user1's hash still at m=8" test \
    "$(ti_sql "SELECT count(*) FROM users WHERE email = 'user1@example.com' AND password_hash LIKE '%m=8,%'")" = 1
ti_done
