#!/usr/bin/python3
"""Every field of every verb, malformed, over the real socket.

Usage: args.py SOCKET COUNSELLOR AUDITOR SEEDDIR

Logs in with raw Ed25519 keys (seeds SEEDDIR/NAME.seed, enrolled by the
caller), reads HELP for each role, and for each verb and each field sends
that field malformed in several ways, the fields before it valid. Each
request must get one ERR line of the expected code whose reason names the
field, and the same connection must then still answer PING; a second
connection must be served all along. Prints TAP-like lines.
"""
import base64
import os
import socket
import sys

import nacl.signing

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tools"))
import code as eco_code  # noqa: E402  (tests/tools/code.py)

SOCK, COUNSELLOR, AUDITOR, SEEDS = sys.argv[1:5]
B64 = lambda n: base64.b64encode(b"\0" * n).decode()

# Malformed values for each kind of field; every one must be refused.
NUMBER_BAD = ["", "x", "-1", "0", "01", "1.5", "+1", "1e3", "0x10",
              "9" * 19, "99999999999999999999999", "1 1", "١"]
TIME_BAD = ["", "x", "2030-13-01T10:00", "2030-02-30T10:00",
            "2030-01-01T24:00", "2030-01-01T10:60", "1999-01-01T10:00",
            "2030-1-1T10:00", "2030-01-01X10:00", "2030-01-01T10:00:00",
            "20300101T1000", "2030-01-01T10:0" + "0" * 100]
DATE_BAD = ["", "x", "2030-13-01", "2030-02-30", "2030/01/01", "2030-01",
            "2030-01-01T25:00", "1899-01-01", "9" * 30]
B64_BAD = ["", "!!!!", "AAA", "A" * 5000, B64(1), B64(200)]
WORD_BAD = ["", "x", "COUNSELLOR", "counsellor ", "attendedx", "-x"]
NAME_BAD = ["", "a b", "a/b", "ñ", "a" * 65, "a\\\\b", 'a"b']
LOOKUP_BAD = ["", "x", "Z" * 5000, B64(31), B64(33), "=" * 44]
MODALITY_BAD = ["", "x", "Video", "presencial ", "teléfono"]

# A valid value for each field name in HELP's usages.
VALID = {
    "version": "1", "name": "nobody-enrolled", "signature": B64(64),
    "role": "counsellor", "pubkey": B64(32), "start": "2030-01-07T10:00",
    "minutes": "60", "weeks": "1", "modality": "video", "location": "Sala",
    "join": "Sala 2",
    "slot": "1", "booking": "1", "note": "1", "case": "1", "amends": "1",
    "mark": "attended", "size": "10", "chunk": "AAAA", "from": "2030-01-01",
    "to": "2030-01-02", "lookup": None, "message": B64(49), "first": "1",
    "last": "1", "size1": "1", "size2": "1", "seq": "1", "offset": "0",
    "passphrase": "-", "of": "case", "id": "1", "casekey": B64(32),
    "token": B64(32),
    "msg": "1", "date": "2030-01-07", "sealed": B64(100),
    "days": "mon,fri", "until": "2030-01-08",
}

KIND = {
    "version": ("number", NUMBER_BAD), "minutes": ("number", NUMBER_BAD),
    "weeks": ("number", NUMBER_BAD + ["105"]),
    "days": ("weekdays", ["", "x", "mon,", ",mon", "mon,,tue", "mon,mon",
                          "Mon", "lun", "mié", "monday", "mon wed"]),
    "until": ("date", DATE_BAD),
    "size": ("number", NUMBER_BAD + ["99999999999"]),
    "slot": ("number", NUMBER_BAD), "booking": ("number", NUMBER_BAD),
    "note": ("number", NUMBER_BAD), "case": ("number", NUMBER_BAD),
    "amends": ("number", NUMBER_BAD), "first": ("number", NUMBER_BAD),
    "last": ("number", NUMBER_BAD), "size1": ("number", NUMBER_BAD),
    "size2": ("number", NUMBER_BAD), "seq": ("number", NUMBER_BAD),
    "offset": ("number", [v for v in NUMBER_BAD if v != "0"]),
    "start": ("time", TIME_BAD), "from": ("date", DATE_BAD),
    "to": ("date", DATE_BAD), "signature": ("b64", B64_BAD),
    "pubkey": ("b64", B64_BAD), "chunk": ("b64", ["!!!!", "A" * 5000,
                                                  B64(3073)]),
    "message": ("b64", ["", "!!!!", B64(10), B64(5000)]),
    "role": ("word", WORD_BAD), "mark": ("word", WORD_BAD),
    "name": ("name", NAME_BAD), "lookup": ("lookup", LOOKUP_BAD),
    "modality": ("modality", MODALITY_BAD),
    "location": ("text", ["L" * 201, "L" * 2000]),
    "of": ("word", WORD_BAD + ["cases", "Slot"]),
    "id": ("number", NUMBER_BAD), "msg": ("number", NUMBER_BAD),
    "date": ("date", DATE_BAD),
    "casekey": ("b64", ["", "!!!!", B64(31), B64(33)]),
    "token": ("b64", ["", "!!!!", B64(31), B64(33),
                      "0000-0000-0000-0000-0000-0000-0000"]),
    "sealed": ("b64", ["", "!!!!", B64(10), B64(45)]),
    "join": ("text", ["J" * 301, "J" * 2000, "\u00e9" * 151]),
    # B64(1) decodes to a NUL byte: refused by the handler, same wording.
    "passphrase": ("b64", ["", "!!!!", "AAA", "A" * 5000, B64(1),
                           B64(1024)]),
}


def quote(f):
    if f != "" and not any(ch in f for ch in ' "\\'):
        return f
    return '"' + f.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Conn:
    def __init__(self):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(20)
        self.s.connect(SOCK)
        self.buf = b""
        assert self.req("HELLO", "1")[-1].startswith("OK")

    def line(self):
        while b"\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError("closed")
            self.buf += chunk
        ln, self.buf = self.buf.split(b"\n", 1)
        return ln.decode()

    def req(self, *fields):
        self.s.sendall((" ".join(quote(f) for f in fields) + "\n").encode())
        out = []
        while True:
            ln = self.line()
            out.append(ln)
            if not ln.startswith("* "):
                return out

    def login(self, name):
        seed = open(f"{SEEDS}/{name}.seed", "rb").read()
        key = nacl.signing.SigningKey(seed)
        ch = self.req("LOGIN", name)[-1].split()[1]
        msg = b"ECO-LOGIN-v1\0" + base64.b64decode(ch) + name.encode()
        sig = base64.b64encode(key.sign(msg).signature).decode()
        r = self.req("AUTH", sig)[-1]
        assert r.startswith("OK"), r


def usages(conn):
    return [ln[2:].replace('"', "") for ln in conn.req("HELP")[:-1]]


nfail = 0


def ok(cond, name, detail=""):
    global nfail
    print(("ok - " if cond else "not ok - ") + name)
    if not cond:
        nfail += 1
        print("#   " + detail)


# A real code, for the fields before a malformed one.
setup = Conn()
setup.login(COUNSELLOR)
slot = setup.req("AVAIL-ADD", "2030-01-07T10:00", "60", "1", "video",
                 "Sala")[0].split()[1]
CODE = eco_code.new()
LOOKUP = eco_code.lookup(CODE)
assert Conn().req("BOOK-NEW", slot, LOOKUP, B64(32))[-1] == "OK"
VALID["lookup"] = LOOKUP
# The code itself is never looked up (only its token is), nor a token one
# character off, nor a version 1 code of no case.
LOOKUP_BAD += [CODE, LOOKUP[:-2] + ("B" if LOOKUP[-2] != "B" else "C") + "=",
               LOOKUP[:-1], eco_code.fmt(b"\x5a" * 16, 1),
               "0000-0000-0000-0000-0000-0000-0000"]

other = Conn()
seen = set()
for who in ["admin", COUNSELLOR, AUDITOR]:
    c = Conn()
    if who != "admin":
        c.login(who)
    for usage in usages(c):
        words = usage.split()
        verb, spec = words[0], words[1:]
        if verb in seen:
            continue
        seen.add(verb)
        names = [w.strip("[]").split("|")[0] for w in spec]
        tried, bad = 0, []
        for i, name in enumerate(names):
            code = "notfound" if name == "lookup" else "invalid"
            want = "no such code" if name == "lookup" else name + ": "
            for value in KIND[name][1]:
                fields = ([verb] + [VALID[n] for n in names[:i]] + [value] +
                          [VALID[n] for n in names[i + 1:]])
                r = c.req(*fields)
                tried += 1
                if len(r) != 1 or not r[0].startswith(f"ERR {code} {want}"):
                    bad.append(f"{fields!r:.160} -> {r!r:.160}")
                if c.req("PING")[-1] != "OK PONG":
                    bad.append(f"{fields!r}: connection not usable after")
        # One field too many, and (if any are required) one too few.
        extra = c.req(*([verb] + [VALID[n] for n in names] + ["1"]))
        if not extra[-1].startswith("ERR usage usage: " + verb):
            bad.append(f"{verb} with an extra field -> {extra!r}")
        required = [w for w in spec if not w.startswith("[")]
        if required:
            short = c.req(*([verb] + [VALID[n] for n in names[:len(required) - 1]]))
            if not short[-1].startswith("ERR usage usage: " + usage):
                bad.append(f"{verb} with a field missing -> {short!r}")
        ok(not bad and other.req("PING")[-1] == "OK PONG",
           f"{verb} ({who}): {tried} malformed fields, each one ERR "
           f"naming the field; arity checked; both connections still served",
           "; ".join(bad[:5]))

ok(len(seen) >= 30, f"every verb of the table was tried ({len(seen)})",
   sorted(seen))
sys.exit(1 if nfail else 0)
