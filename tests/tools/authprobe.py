#!/usr/bin/python3
"""authprobe: failed logins against ecod, for the abuse tests.

  authprobe.py SOCKET TRIES PER GROUP=NAME[+NAME...] ...

Makes TRIES failed logins for each group: HELLO, LOGIN NAME (the group's
names in turn), then AUTH with a random signature whose S half is
canonical (below the group order), so the daemon runs the whole Ed25519
verification rather than rejecting it early. The time from sending AUTH
to reading its answer is measured; the groups take turns, so load on the
machine falls on all of them alike. Up to PER tries share a connection.

Prints, per group: "GROUP median_us p25_us p75_us distinct_answers", then
"answer GROUP: LINE" for each distinct answer line seen. No third-party
modules: nothing here signs, every try is meant to fail.
"""
import os
import socket
import statistics
import sys
import time
import base64


def readline(f):
    line = f.readline()
    if not line:
        raise EOFError("daemon closed the connection")
    return line


def session(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    f = s.makefile("rwb", buffering=0)
    f.write(b"HELLO 1\n")
    if not readline(f).startswith(b"OK"):
        raise RuntimeError("HELLO refused")
    return s, f


def bad_signature():
    sig = bytearray(os.urandom(64))
    sig[63] &= 0x0F  # S < 2^252 < L: canonical, so verification runs
    return base64.b64encode(bytes(sig))


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    path, tries, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    groups = {}
    for arg in sys.argv[4:]:
        g, _, names = arg.partition("=")
        groups[g] = names.split("+")
    times = {g: [] for g in groups}
    answers = {g: set() for g in groups}
    s = f = None
    used = per
    for i in range(tries):
        for g in groups:
            n = groups[g][i % len(groups[g])]
            if used >= per:
                if s is not None:
                    s.close()
                s, f = session(path)
                used = 0
            f.write(b"LOGIN " + n.encode() + b"\n")
            if not readline(f).startswith(b"OK "):
                raise RuntimeError("LOGIN refused")
            line = b"AUTH " + bad_signature() + b"\n"
            t0 = time.perf_counter_ns()
            f.write(line)
            answer = readline(f)
            times[g].append((time.perf_counter_ns() - t0) / 1000.0)
            answers[g].add(answer.decode().rstrip("\n"))
            used += 1
    if s is not None:
        s.close()
    for g in groups:
        q = statistics.quantiles(times[g], n=4)
        print("%s %.0f %.0f %.0f %d" % (g, statistics.median(times[g]),
              q[0], q[2], len(answers[g])))
    for g in groups:
        for a in sorted(answers[g]):
            print("answer %s: %s" % (g, a))


if __name__ == "__main__":
    main()
