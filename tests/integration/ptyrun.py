"""Runs a command with its stdin and stderr on a pseudo-terminal and its
stdout on a pipe, as a person at a terminal whose output a script may keep:
ptyrun.py [--answer TEXT] [--after PROMPT] -- ARGV...
TEXT is typed once PROMPT has appeared on the terminal (or at once).
Prints the terminal's text, then a line "--- stdout", then stdout, then a
line "--- rc N". Used by t-worker.sh and t-i18n.sh."""
import os
import pty
import select
import subprocess
import sys
import time


def main():
    args = sys.argv[1:]
    answer = None
    after = None
    while args and args[0] != "--":
        if args[0] == "--answer":
            answer = args[1].encode()
            args = args[2:]
        elif args[0] == "--after":
            after = args[1].encode()
            args = args[2:]
        else:
            sys.exit("ptyrun.py: bad option " + args[0])
    argv = args[1:]
    master, slave = pty.openpty()
    proc = subprocess.Popen(argv, stdin=slave, stderr=slave,
                            stdout=subprocess.PIPE, close_fds=True,
                            start_new_session=True,
                            preexec_fn=lambda: __import__("fcntl").ioctl(
                                0, __import__("termios").TIOCSCTTY, 0))
    os.close(slave)
    seen = b""
    out = b""
    deadline = time.time() + 30
    fds = [master, proc.stdout.fileno()]
    while fds and time.time() < deadline:
        if answer is not None and (after is None or after in seen):
            os.write(master, answer + b"\n")
            answer = None
        ready, _, _ = select.select(fds, [], [], 0.2)
        for fd in ready:
            try:
                data = os.read(fd, 4096)
            except OSError:
                data = b""
            if not data:
                fds.remove(fd)
            elif fd == master:
                seen += data
            else:
                out += data
        if proc.poll() is not None and not ready:
            break
    rc = proc.wait()
    sys.stdout.write(seen.decode(errors="replace").replace("\r", ""))
    sys.stdout.write("--- stdout\n")
    sys.stdout.write(out.decode(errors="replace"))
    sys.stdout.write("--- rc %d\n" % rc)


main()
