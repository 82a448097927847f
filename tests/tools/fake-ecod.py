#!/usr/bin/python3
# fake-ecod: a hostile stand-in for ecod, for the client's safety tests.
# It listens on a Unix socket and speaks just enough of the protocol for
# ecoctl to reach the reply it is testing, then sends that reply broken
# in the way MODE names:
#
#   fake-ecod.py SOCKET MODE
#
# Modes (see MODES below): a tree head that is not a note, not base64,
# too long, with a NUL, with a size past any limit; over-long, control-
# character and endless replies; bad audit entries; an OK that follows a
# write the client could not finish. It serves until killed.
import base64
import socket
import sys
import time

ROOT = base64.b64encode(bytes(32)).decode()
SIG = "\u2014 eco-audit/f AAAA\n"


def b64(data):
    return base64.b64encode(data).decode()


def head(size):
    body = "eco-audit/f\n%s\n%s\n\n" % (size, ROOT)
    return "OK " + b64((body + SIG).encode()) + "\n"


# What AUDIT-HEAD answers in each mode (None: a valid-looking head).
HEADS = {
    "head-unterminated": "OK " + b64(b"A" * 300) + "\n",
    "head-garbage": "OK !!!not*base64\n",
    "head-huge": "OK " + b64(b"eco-audit/f\n1\n" + b"A" * 100000) + "\n",
    "head-nul": "OK " + b64(b"eco-audit/f\x00\n1\n" + ROOT.encode() +
                            b"\n\n" + SIG.encode()) + "\n",
    "size-overflow": head("99999999999999999999999"),
    "size-int64": head("9223372036854775808"),
    "size-signed": head("-1"),
    "entry-count": head(2),
}

# What AUDIT-ENTRIES answers in the modes that break it.
ENTRIES = {
    "entry-long": "* " + b64(b"1\t" + b"x" * 600) + "\nOK\n",
    "entry-escape": "* " + b64(b"1\t\x1b[2Jgotcha") + "\nOK\n",
    "entry-count": "* " + b64(b"1\tone") + "\nOK\n",
    "entry-endless": "* A\n" * 200000 + "OK\n",
}


def serve(conn, mode):
    buf = b""
    while True:
        while b"\n" not in buf:
            data = conn.recv(65536)
            if not data:
                return
            buf += data
        line, buf = buf.split(b"\n", 1)
        verb = line.split(b" ")[0].decode("ascii", "replace").upper()
        if verb == "HELLO":
            if mode == "longline":
                conn.sendall(b"OK " + b"x" * (2 * 1024 * 1024) + b"\n")
            elif mode == "escape":
                conn.sendall(b"ERR version \x1b]0;owned\x07\x1b[2J\n")
            elif mode == "badcode":
                conn.sendall(b"ERR \n")
            elif mode == "nul":
                conn.sendall(b"OK ECO\x00 1\n")
            elif mode == "pipe":
                # Close our reading side first: the client's next write
                # fails (EPIPE), and only then does an OK arrive.
                conn.shutdown(socket.SHUT_RD)
                conn.sendall(b"OK ECO 1 fake/0\nOK PONG\n")
                time.sleep(5)
                return
            else:
                conn.sendall(b"OK ECO 1 fake/0\n")
        elif verb == "LOGIN":
            conn.sendall(("OK " + b64(bytes(32)) + "\n").encode())
        elif verb == "AUTH":
            conn.sendall(b"OK auditor au\n")
        elif verb == "AUDIT-HEAD":
            conn.sendall(HEADS.get(mode, head(1)).encode())
        elif verb == "AUDIT-ENTRIES":
            conn.sendall(ENTRIES.get(mode, "OK\n").encode())
        elif verb == "PING":
            conn.sendall(b"OK PONG\n")
        else:
            conn.sendall(b"ERR unknown no such verb\n")


def main():
    path, mode = sys.argv[1], sys.argv[2]
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(8)
    while True:
        conn, _ = srv.accept()
        try:
            serve(conn, mode)
        except OSError:
            pass
        conn.close()


main()
