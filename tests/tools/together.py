#!/usr/bin/python3
# together.py SOCKET PID LINE...: opens one connection a LINE and says
# HELLO on each; then stops the daemon (SIGSTOP), sends every LINE on its
# own connection, and lets the daemon go on (SIGCONT), so that all of them
# are read in one iteration of its event loop. Prints each connection's
# reply line, in the order of the arguments. A test tool for group commit.
# With ECO_TOGETHER_TERM=1 the daemon is also sent SIGTERM while stopped,
# so the signal arrives in the same loop iteration as the lines.
import os
import signal
import socket
import sys
import time


def readline(s, buf):
    while b"\n" not in buf[0]:
        chunk = s.recv(4096)
        if not chunk:
            raise SystemExit("together.py: the daemon closed")
        buf[0] += chunk
    line, buf[0] = buf[0].split(b"\n", 1)
    return line.decode()


def main():
    path, pid, lines = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    conns = []
    for _ in lines:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(30)
        s.connect(path)
        buf = [b""]
        s.sendall(b"HELLO 1\n")
        if not readline(s, buf).startswith("OK"):
            raise SystemExit("together.py: HELLO refused")
        conns.append((s, buf))
    os.kill(pid, signal.SIGSTOP)
    try:
        for (s, _), line in zip(conns, lines):
            s.sendall(line.encode() + b"\n")
        time.sleep(0.2)
        if os.environ.get("ECO_TOGETHER_TERM") == "1":
            os.kill(pid, signal.SIGTERM)
    finally:
        os.kill(pid, signal.SIGCONT)
    for s, buf in conns:
        print(readline(s, buf))
        s.close()


main()
