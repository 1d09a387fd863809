#!/bin/bash
# engine_held_input.sh: while a connection's request is in a pool
# thread's hands (a refresh waiting for SQLite's write lock, which
# another process holds), the peer keeps sending records the engine
# answers at once (an unknown type).  Those answers go out while the
# request is still held, and a peer that sends without reading them is
# held back: the engine stops reading once its answers are unread, so
# what it takes in and its memory stay bounded.  Before, the answers
# were kept, never sent, and the input taken without limit (300 MiB
# sent: 627 MB resident).  Raw FastCGI over the program's socket, from
# Python.
. "$(dirname "$0")/lib.sh"

ti_init sqlite3
ti_auth_setup "$T/auth.db" "LOG_LEVEL=info" AUTH_DB_TIMEOUT_MS=10000
ti_spawn auth "$top_builddir/cgi-bin/refresh" 1
pid=$(head -n 1 "$T/auth.pid")

# Another process holds the write lock for longer than the busy timeout.
/usr/bin/python3 - "$T/auth.db" "$T/locked" <<'PY' &
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=1, isolation_level=None)
db.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
time.sleep(14)
db.execute("ROLLBACK")
PY
ti_track $!
for i in $(seq 1 100); do
	[ -e "$T/locked" ] && break
	sleep 0.1
done
ti_expect_true "the other process holds the lock" test -e "$T/locked"

/usr/bin/python3 - "$T/auth.sock" "$pid" >"$T/client.out" 2>&1 <<'PY'
import socket, struct, sys, time

path, pid = sys.argv[1], sys.argv[2]

def rec(t, rid, content=b""):
    pad = (-len(content)) % 8
    return struct.pack(">BBHHBx", 1, t, rid, len(content), pad) + \
        content + b"\0" * pad

def nv(n, v):
    def ln(x):
        return bytes([len(x)]) if len(x) < 128 else \
            struct.pack(">I", len(x) | 0x80000000)
    return ln(n) + ln(v) + n + v

def rss_kb():
    for line in open("/proc/%s/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return -1

params = {
    "REQUEST_METHOD": "POST", "REQUEST_URI": "/api/auth/refresh",
    "DOCUMENT_URI": "/api/auth/refresh", "SCRIPT_NAME": "/api/auth/refresh",
    "QUERY_STRING": "", "CONTENT_LENGTH": "0", "SERVER_PROTOCOL": "HTTP/1.1",
    "REMOTE_ADDR": "127.0.0.1", "SERVER_NAME": "127.0.0.1",
    "SERVER_PORT": "80", "HTTP_HOST": "127.0.0.1",
    "HTTP_SEC_FETCH_SITE": "same-origin",
    "HTTP_COOKIE": "refreshToken=" + "A" * 43,
}
s = socket.socket(socket.AF_UNIX)
s.connect(path)
p = b"".join(nv(k.encode(), v.encode()) for k, v in params.items())
s.sendall(rec(1, 1, struct.pack(">HB5x", 1, 1)) + rec(4, 1, p) + rec(4, 1) +
          rec(5, 1))
time.sleep(0.5)		# the pool thread takes it and waits for the lock
before = rss_kb()
junk = rec(99, 0) * 8192	# 64 KiB of records of an unknown type
s.settimeout(2)
sent = 0
try:
    while sent < (64 << 20):
        s.sendall(junk)
        sent += len(junk)
except socket.timeout:
    pass
after = rss_kb()
print("sent_kib %d" % (sent // 1024))
print("rss_growth_kib %d" % (after - before))
# What came back while the request is still held.
s.settimeout(1)
got = b""
try:
    while len(got) < 16:
        d = s.recv(65536)
        if not d:
            break
        got += d
except socket.timeout:
    pass
print("first_type %d" % (got[1] if len(got) > 1 else -1))
# Read on until the request's END_REQUEST (after the busy timeout).
s.settimeout(30)
buf = got
end = None
deadline = time.time() + 30
while end is None and time.time() < deadline:
    while len(buf) >= 8:
        v, t, rid, clen, pad = struct.unpack(">BBHHBx", buf[:8])
        if len(buf) < 8 + clen + pad:
            break
        if t == 6 and rid == 1 and clen > 0:
            print("stdout " + buf[8:8 + clen].split(b"\r\n")[0].decode())
        if t == 3 and rid == 1:
            end = True
        buf = buf[8 + clen + pad:]
    if end:
        break
    try:
        d = s.recv(65536)
    except socket.timeout:
        break
    if not d:
        break
    buf += d
print("ended %s" % ("yes" if end else "no"))
PY
cat "$T/client.out" | sed 's/^/# /'
val() { sed -n "s/^$1 //p" "$T/client.out"; }
ti_expect_true "the engine stopped taking input it could not answer ($(val sent_kib) KiB taken)" \
    test "$(val sent_kib)" -lt 16384
ti_expect_true "its memory stayed bounded ($(val rss_growth_kib) KiB more)" \
    test "$(val rss_growth_kib)" -lt 32768
ti_expect_true "the unknown-type answers went out while the request was held" \
    test "$(val first_type)" = 11
ti_expect_true "the held request was answered (503: the lock outlasted the bound)" \
    grep -q '^stdout Status: 503' "$T/client.out"
ti_expect_true "and ended" test "$(val ended)" = yes
ti_done
