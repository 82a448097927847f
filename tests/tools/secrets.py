#!/usr/bin/python3
# secrets.py CODE: the forms a booking code's secrets could take in bytes
# seen on the wire, one a line as hex: the code as typed (with and without
# dashes, upper and lower case), its 16 random bytes (raw, hex, base64),
# and the case key's seed (docs/CRYPTO.md: BLAKE2b-256 keyed with them over
# ECO-CASE-KEY-v1; raw, hex, base64). The first line is the lookup token's
# base64, which must be there: it shows the capture works.
import base64
import hashlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import code as eco_code  # noqa: E402  (tests/tools/code.py)

code = sys.argv[1]
raw = eco_code.raw_of(code)
seed = hashlib.blake2b(b"ECO-CASE-KEY-v1", digest_size=32, key=raw).digest()
forms = [eco_code.lookup(code).encode()]
for text in (code, code.replace("-", "")):
    forms += [text.upper().encode(), text.lower().encode()]
for secret in (raw, seed):
    forms += [secret, secret.hex().encode(), secret.hex().upper().encode(),
              base64.b64encode(secret).rstrip(b"=")]
for f in forms:
    print(f.hex())
