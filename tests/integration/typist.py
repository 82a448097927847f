"""The person at the README tour's terminal: typist.py -- ARGV...
Runs ARGV with stdin, stdout and stderr on one pseudo-terminal, its
controlling terminal, as script(1) would, and copies what the terminal
shows to stdout. When ecoctl asks for a booking code ("Your code (not
shown as you type): ", or the Spanish prompt), it types the last code the
terminal showed, the one `ecoctl book` printed: as a person reads the code
off the screen (or their paper) and types it, the code never on a command
line. A prompt with no code shown before it gets an empty line, so the
command fails rather than hangs. Exits with ARGV's status; 124 if it ran
past 60 seconds. Used by t-readme.sh."""
import fcntl
import os
import pty
import re
import select
import subprocess
import sys
import termios
import time

PROMPTS = (b"Your code (not shown as you type): ",
           "Su código (no se muestra al escribirlo): ".encode())
CODE = re.compile(rb"\b[0-9A-Z]{4}(?:-[0-9A-Z]{4}){6}\b")


def main():
    argv = sys.argv[1:]
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        sys.exit("usage: typist.py -- ARGV...")
    master, slave = pty.openpty()

    def child():
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave,
                            close_fds=True, preexec_fn=child)
    os.close(slave)
    seen = b""
    answered = 0            # where in seen the next prompt is looked for
    deadline = time.time() + 60
    while time.time() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                data = os.read(master, 4096)
            except OSError:         # EIO: the last writer closed it
                data = b""
            if not data:
                break
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
            seen += data
        hits = [(seen.find(p, answered), p) for p in PROMPTS]
        hits = [(i, p) for i, p in hits if i != -1]
        if hits:
            i, p = min(hits)
            codes = CODE.findall(seen[:i])
            os.write(master, (codes[-1] if codes else b"") + b"\n")
            answered = i + len(p)
        elif proc.poll() is not None and not ready:
            break
    if proc.poll() is None:
        proc.kill()
        proc.wait()
        os.close(master)
        sys.exit(124)
    os.close(master)
    sys.exit(proc.returncode)


if __name__ == "__main__":
    main()
