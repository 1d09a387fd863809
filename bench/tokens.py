"""tokens.py: the access tokens bench/engine.sh presents.

usage: /usr/bin/python3 tokens.py DIR USERS TTL

For each of HS256, RS256 and ES256, DIR/ALG.token is a token `authctl
issue` made with DIR/ALG.key; its header (alg, kid, typ) and its claims
are the model.  This writes DIR/ALG.tokens: USERS tokens, one a line,
for the users user-00001, user-00002, ... with the same claims as
authctl's (iss, aud, iat, nbf, exp = now + TTL, a fresh jti, type
"access", email), signed with PyJWT with the same key; DIR/ALG.expired,
a token of user-00001 that expired ten minutes ago, and DIR/ALG.refresh,
one of type "refresh" (both must be refused); and DIR/kids.json (the kid
of each key, for the peers).
"""
import base64
import json
import os
import secrets
import sys
import time

import jwt
from cryptography.hazmat.primitives.serialization import load_pem_private_key


def b64json(seg):
    return json.loads(base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4)))


def main():
    d, users, ttl = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    kids = {}
    now = int(time.time())
    for alg in ("HS256", "RS256", "ES256"):
        with open(os.path.join(d, alg + ".token")) as f:
            head, body, _ = f.read().strip().split(".")
        header, model = b64json(head), b64json(body)
        kids[alg] = header["kid"]
        with open(os.path.join(d, alg + ".key"), "rb") as f:
            text = f.read()
        key = (text.rstrip() if alg == "HS256" else
               load_pem_private_key(text, None))
        extra = {k: v for k, v in header.items() if k != "alg"}
        with open(os.path.join(d, alg + ".tokens"), "w") as out:
            for i in range(1, users + 1):
                sub = "user-%05d" % i
                claims = dict(model, sub=sub, iat=now, nbf=now,
                              exp=now + ttl,
                              jti=secrets.token_urlsafe(16),
                              email=sub + "@example.com")
                out.write(jwt.encode(claims, key, algorithm=alg,
                                     headers=extra) + "\n")
        bad = {
            "expired": dict(model, sub="user-00001", iat=now - 1200,
                            nbf=now - 1200, exp=now - 600),
            "refresh": dict(model, sub="user-00001", iat=now, nbf=now,
                            exp=now + ttl, type="refresh"),
        }
        for name, claims in bad.items():
            with open(os.path.join(d, alg + "." + name), "w") as out:
                out.write(jwt.encode(claims, key, algorithm=alg,
                                     headers=extra) + "\n")
    with open(os.path.join(d, "kids.json"), "w") as f:
        json.dump(kids, f)


main()
