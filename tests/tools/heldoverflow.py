#!/usr/bin/python3
# heldoverflow.py SOCK PID FCTL MAX SLOT: pipelines SLOTS, HELP and PING
# until the reply of a final BOOK is the one that passes max_output_bytes
# (MAX), with the daemon stopped so that all of it is read in one loop
# iteration, and the next fdatasync made to fail (FCTL, the fault shim's
# control file). Prints every line the daemon sent before it closed.
import os, signal, socket, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import code as eco_code  # noqa: E402  (tests/tools/code.py)

path, pid, fctl, mx, slot = (sys.argv[1], int(sys.argv[2]), sys.argv[3],
                             int(sys.argv[4]), sys.argv[5])

def read(s, t):
    s.settimeout(t)
    d = b""
    try:
        while True:
            c = s.recv(1 << 20)
            if not c:
                break
            d += c
    except socket.timeout:
        pass
    return d

s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(path)
s.sendall(b"HELLO 1\n")
read(s, 0.3)
s.sendall(b"SLOTS\n")
slots = len(read(s, 0.5))
s.sendall(b"HELP\n")
helps = len(read(s, 0.5))
# A BOOK-NEW's OK is 3 bytes, less than a PING's 8: aim within a PING of
# the cap (the log says which reply passed it; the test does not depend on
# it).
book = len(b"OK PONG\n")
total, ns, nh, np = 0, 0, 0, 0
while total + slots <= mx - 1000:
    total, ns = total + slots, ns + 1
while total + helps <= mx - 100:
    total, nh = total + helps, nh + 1
while not (total <= mx < total + book):
    total, np = total + len(b"OK PONG\n"), np + 1
os.kill(pid, signal.SIGSTOP)
s.sendall(b"SLOTS\n" * ns + b"HELP\n" * nh + b"PING\n" * np +
          (eco_code.book_new_line(slot) + "\n").encode())
with open(fctl, "w") as f:
    f.write("EIO sync once\n")
time.sleep(0.2)
os.kill(pid, signal.SIGCONT)
sys.stdout.write(read(s, 2.0).decode(errors="replace"))
