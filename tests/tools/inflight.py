#!/usr/bin/python3
# inflight.py SOCKET SLOT1 SLOT2 [AFTER]: while one booking's commit is in
# flight, other requests. Connection A books SLOT1; AFTER seconds later
# (0.3; the test makes each sync of the database slow, so A's commit is
# still in flight) connection B sends PING then SLOTS, and connection C
# books SLOT2. Prints
# each final reply line (OK or ERR) as "NAME VERB LINE", in the order the
# replies arrived. A test tool for the writer thread.
import os
import select
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import code as eco_code  # noqa: E402  (tests/tools/code.py)


def main():
    path, slot1, slot2 = sys.argv[1], sys.argv[2], sys.argv[3]
    after = float(sys.argv[4]) if len(sys.argv) > 4 else 0.3
    conns = {}
    for name in "ABC":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(30)
        s.connect(path)
        s.sendall(b"HELLO 1\n")
        conns[name] = [s, b"", []]
    pending = {name: ["HELLO"] for name in "ABC"}
    out = []

    def send(name, line):
        pending[name].append(line.split()[0])
        conns[name][0].sendall(line.encode() + b"\n")

    def pump(timeout):
        end = time.monotonic() + timeout
        while any(pending.values()):
            left = end - time.monotonic()
            if left <= 0:
                return
            socks = [c[0] for n, c in conns.items() if pending[n]]
            ready, _, _ = select.select(socks, [], [], left)
            for s in ready:
                name = next(n for n, c in conns.items() if c[0] is s)
                chunk = s.recv(65536)
                if not chunk:
                    raise SystemExit("inflight.py: the daemon closed " + name)
                conns[name][1] += chunk
                while b"\n" in conns[name][1]:
                    line, conns[name][1] = conns[name][1].split(b"\n", 1)
                    line = line.decode()
                    if line.startswith(("OK", "ERR")):
                        verb = pending[name].pop(0)
                        if verb != "HELLO":
                            out.append("%s %s %s" % (name, verb, line))

    pump(10)
    send("A", eco_code.book_new_line(slot1))
    time.sleep(after)
    send("B", "PING")
    send("C", eco_code.book_new_line(slot2))
    send("B", "SLOTS")
    pump(60)
    for line in out:
        print(line)
    if any(pending.values()):
        raise SystemExit("inflight.py: no reply to %s" % pending)


main()
