#!/usr/bin/python3
# Booking codes for raw protocol tests, made from docs/CRYPTO.md's
# description rather than by ecoctl, so the tests check the documented
# derivations too:
#   code.py new           a new (version 2) code
#   code.py lookup CODE   its lookup token, base64, as ecoctl sends it
#   code.py v1 HEX32      the version 1 code (ecod's, before) of 16 bytes
#   code.py line SLOT     "CODE<TAB>BOOK-NEW SLOT LOOKUP CASEKEY" (a random
#                         case key: for tests that read no message)
import base64
import hashlib
import os
import sys

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def check(raw, version):
    if version == 1:
        h = hashlib.blake2b(raw, digest_size=16).digest()
    else:
        h = hashlib.blake2b(raw, digest_size=16,
                            key=b"ECO-CODE-CHECK-v2").digest()
    return (h[0] << 4) | (h[1] >> 4)


def fmt(raw, version):
    v = (int.from_bytes(raw, "big") << 12) | check(raw, version)
    chars = [ALPHABET[(v >> (5 * (27 - i))) & 31] for i in range(28)]
    return "-".join("".join(chars[i:i + 4]) for i in range(0, 28, 4))


def raw_of(code):
    s = code.upper().replace("-", "").replace("O", "0")
    s = s.replace("I", "1").replace("L", "1")
    v = 0
    for c in s:
        v = (v << 5) | ALPHABET.index(c)
    return (v >> 12).to_bytes(16, "big")


def new():
    while True:
        raw = os.urandom(16)
        if check(raw, 1) != check(raw, 2):
            return fmt(raw, 2)


def lookup(code):
    t = hashlib.blake2b(b"ECO-CASE-LOOKUP-v1", digest_size=32,
                        key=raw_of(code)).digest()
    return base64.b64encode(t).decode()


def book_new_line(slot):
    """A raw BOOK-NEW of slot for a new code no one will need again."""
    c = new()
    return "BOOK-NEW %s %s %s" % (slot, lookup(c),
                                  base64.b64encode(os.urandom(32)).decode())


def main():
    cmd = sys.argv[1]
    if cmd == "new":
        print(new())
    elif cmd == "lookup":
        print(lookup(sys.argv[2]))
    elif cmd == "v1":
        print(fmt(bytes.fromhex(sys.argv[2]), 1))
    elif cmd == "line":
        c = new()
        print("%s\tBOOK-NEW %s %s %s" % (c, sys.argv[2], lookup(c),
              base64.b64encode(os.urandom(32)).decode()))
    else:
        raise SystemExit("code.py: unknown command " + cmd)


if __name__ == "__main__":
    main()
