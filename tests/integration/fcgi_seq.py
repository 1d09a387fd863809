#!/usr/bin/python3
"""fcgi_seq.py SOCKET: sends requests one after another on ONE kept
FastCGI connection to the program listening on the unix socket SOCKET,
each once the previous one is answered, and prints one line per answer:
"STATUS X-REQUEST-ID" ("-" when the header is missing).

The requests come on stdin, one JSON object a line:
    {"params": {"REQUEST_METHOD": "GET", ...}, "body": "...", "role": 1}
role 1 is the Responder (the default; the body goes in STDIN), 2 the
Authorizer (PARAMS only, no STDIN).  Used by request_state.sh.
"""
import json
import socket
import struct
import sys

BEGIN, END, PARAMS, STDIN, STDOUT, STDERR = 1, 3, 4, 5, 6, 7


def record(rtype, rid, content=b""):
    out = b""
    off = 0
    while True:
        chunk = content[off:off + 65535]
        out += struct.pack(">BBHHBx", 1, rtype, rid, len(chunk), 0) + chunk
        off += len(chunk)
        if off >= len(content):
            return out


def length(n):
    return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)


def params(d):
    b = b""
    for k, v in d.items():
        k, v = k.encode(), v.encode()
        b += length(len(k)) + length(len(v)) + k + v
    return b


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise SystemExit("connection closed mid-answer")
        b += c
    return b


def answer(s, rid):
    out = b""
    while True:
        _, rtype, rrid, clen, plen = struct.unpack(">BBHHBx",
                                                   recv_exact(s, 8))
        content = recv_exact(s, clen + plen)[:clen]
        if rrid != rid:
            continue
        if rtype == STDOUT:
            out += content
        elif rtype == END:
            break
    head = out.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    status, xrid = "200", "-"
    for line in head.split("\r\n"):
        name, _, value = line.partition(":")
        if name.lower() == "status":
            status = value.strip().split(" ")[0]
        elif name.lower() == "x-request-id":
            xrid = value.strip()
    return status, xrid


def main():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(sys.argv[1])
    rid = 1
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        role = req.get("role", 1)
        body = req.get("body", "").encode()
        msg = record(BEGIN, rid, struct.pack(">HB5x", role, 1))
        msg += record(PARAMS, rid, params(req["params"]))
        msg += record(PARAMS, rid)
        if role == 1:
            if body:
                msg += record(STDIN, rid, body)
            msg += record(STDIN, rid)
        s.sendall(msg)
        print("%s %s" % answer(s, rid), flush=True)
        rid = rid % 65535 + 1
    s.close()


main()
