"""peer_fastapi.py: the FastAPI peer that bench/engine.sh measures beside
the suite: FastAPI, PyJWT and the sqlite3 module from Debian
(python3-fastapi, python3-uvicorn, python3-jwt; /usr/bin/python3), run
by uvicorn with 2 worker processes.  Same two endpoints, tokens and
database as the suite's verify and todos:

  GET /verify/{HS256|RS256|ES256}  Bearer token of that algorithm:
      200 {"active":true,"sub":...,"claims":{...}} with X-Auth-Subject,
      or 401 with WWW-Authenticate
  GET /api/users/{id}/todos        HS256 token whose sub is {id}: the
      newest 20 (here: all 10) todos of the user from SQLite, with
      X-Total-Count; 401, 403

Every token is verified in full, as the suite does: signature with the
algorithm fixed by the route (never the token's), kid when present, exp,
nbf, iat not in the future, iss, aud, a non-empty string sub and type
"access".  No cache.

The directory with HS256.key, RS256.key, ES256.key, kids.json and
todos.db is named by PEER_DIR.
"""
import json
import os
import re
import sqlite3
import time

import jwt
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from fastapi import FastAPI, Request, Response

ISSUER = "https://bench.example"
AUDIENCE = "bench"
DIR = os.environ["PEER_DIR"]
BEARER = re.compile(r"Bearer ([A-Za-z0-9_.~+/-]+=*)")

with open(os.path.join(DIR, "kids.json")) as f:
    KIDS = json.load(f)
KEYS = {}
for alg in ("HS256", "RS256", "ES256"):
    with open(os.path.join(DIR, alg + ".key"), "rb") as f:
        text = f.read()
    KEYS[alg] = (text.rstrip() if alg == "HS256" else
                 load_pem_private_key(text, None).public_key())

db = sqlite3.connect(os.path.join(DIR, "todos.db"), timeout=5,
                     check_same_thread=False)
app = FastAPI()


def verify(request: Request, alg: str):
    """The verified claims, or None."""
    m = BEARER.fullmatch(request.headers.get("authorization", ""))
    if m is None:
        return None
    try:
        kid = jwt.get_unverified_header(m.group(1)).get("kid")
        if kid is not None and kid != KIDS[alg]:
            return None
        c = jwt.decode(m.group(1), KEYS[alg], algorithms=[alg],
                       audience=AUDIENCE, issuer=ISSUER,
                       options={"require": ["exp"]})
    except jwt.PyJWTError:
        return None
    iat = c.get("iat")
    sub = c.get("sub")
    if ((iat is not None and (not isinstance(iat, (int, float)) or
                              iat > time.time())) or
            not isinstance(sub, str) or not 0 < len(sub) <= 255 or
            c.get("type") != "access"):
        return None
    return c


def send(status, body, headers=None):
    h = {"Cache-Control": "no-store"}
    if headers:
        h.update(headers)
    return Response(content=json.dumps(body, separators=(",", ":")),
                    status_code=status, media_type="application/json",
                    headers=h)


def unauthorized():
    return send(401, {"error": {"code": "UNAUTHORIZED"}},
                {"WWW-Authenticate":
                 'Bearer realm="api", error="invalid_token"'})


@app.get("/verify/{alg}")
async def verify_route(alg: str, request: Request):
    if alg not in KEYS:
        return send(404, {"error": {"code": "NOT_FOUND"}})
    c = verify(request, alg)
    if c is None:
        return unauthorized()
    return send(200, {"active": True, "sub": c["sub"], "claims": c},
                {"X-Auth-Subject": c["sub"]})


@app.get("/api/users/{uid}/todos")
async def todos_route(uid: str, request: Request):
    c = verify(request, "HS256")
    if c is None:
        return unauthorized()
    if uid != c["sub"]:
        return send(403, {"error": {"code": "FORBIDDEN"}})
    rows = db.execute(
        "SELECT id, user_id, title, description, completed, created_at,"
        " updated_at FROM todos WHERE user_id = ? ORDER BY id DESC"
        " LIMIT ? OFFSET ?", (uid, 21, 0)).fetchall()
    total = db.execute("SELECT count(*) FROM todos WHERE user_id = ?",
                       (uid,)).fetchone()[0]
    headers = {"X-Total-Count": str(total)}
    if len(rows) > 20:
        rows = rows[:20]
        headers["X-Next-Cursor"] = str(rows[-1][0])
    keys = ("id", "user_id", "title", "description", "completed",
            "created_at", "updated_at")
    out = [dict(zip(keys, r)) for r in rows]
    for o in out:
        o["completed"] = o["completed"] != 0
    return send(200, out, headers)
