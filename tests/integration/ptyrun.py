"""Runs a command with its stdin and stderr on a pseudo-terminal and its
stdout on a pipe, as a person at a terminal whose output a script may keep:
ptyrun.py [--answer TEXT] [--after PROMPT] [--expect PROMPT TEXT]...
          [--proc FILE] [--stdin FILE] -- ARGV...
TEXT is typed once PROMPT has appeared on the terminal (or at once).
Each --expect, in order, waits for its PROMPT to appear again after the
last one matched, then types its TEXT. --proc FILE: when the first
--expect's PROMPT shows, writes the process's /proc cmdline (NULs as
spaces) and its "Max core file size" line to FILE, before answering.
--stdin FILE: stdin is FILE, not the terminal (stderr still is).
TEXT may hold a control character (Ctrl-C is \\x03 in bash's $'...').
Prints the terminal's text, then a line "--- stdout", then stdout, then a
line "--- rc N" (-N: killed by signal N), then "--- echo on" or "--- echo
off": the terminal's echo as the command left it. Used by t-worker.sh,
t-i18n.sh and t-code.sh."""
import fcntl
import os
import pty
import select
import subprocess
import sys
import termios
import time


def record(pid, path):
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        cmdline = f.read().replace(b"\0", b" ")
    with open("/proc/%d/limits" % pid) as f:
        core = [l for l in f if l.startswith("Max core file size")]
    with open(path, "wb") as f:
        f.write(b"cmdline " + cmdline + b"\n")
        f.write(("".join(core)).encode())


def run(argv, expects, stdin=None, procfile=None, env=None, timeout=30,
        modes=None):
    """Runs argv as main() says; expects is a list of (PROMPT, TEXT) as
    bytes, a TEXT None when nothing is to be typed. Returns the terminal's
    bytes, stdout's bytes and the exit status (-N: killed by signal N).
    modes, a list, gets the terminal's local modes as the command left
    them."""
    expects = list(expects)
    master, slave = pty.openpty()
    proc = subprocess.Popen(argv, stdin=stdin or slave, stderr=slave,
                            stdout=subprocess.PIPE, close_fds=True,
                            start_new_session=True, env=env,
                            preexec_fn=lambda: fcntl.ioctl(
                                2, termios.TIOCSCTTY, 0))
    os.close(slave)
    matched = 0
    seen = b""
    out = b""
    deadline = time.time() + timeout
    fds = [master, proc.stdout.fileno()]
    while fds and time.time() < deadline:
        if expects and seen.find(expects[0][0], matched) != -1:
            prompt, text = expects.pop(0)
            matched = seen.find(prompt, matched) + len(prompt)
            if procfile is not None:
                record(proc.pid, procfile)
                procfile = None
            if text is not None:
                os.write(master, text + b"\n")
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
    if proc.poll() is None:
        proc.kill()
    rc = proc.wait()
    if modes is not None:
        modes.append(termios.tcgetattr(master)[3])
    os.close(master)
    return seen, out, rc


def main():
    args = sys.argv[1:]
    answer = None
    after = None
    expects = []
    procfile = None
    stdin = None
    while args and args[0] != "--":
        if args[0] == "--expect":
            expects.append((args[1].encode(), args[2].encode()))
            args = args[3:]
        elif args[0] == "--proc":
            procfile = args[1]
            args = args[2:]
        elif args[0] == "--stdin":
            stdin = open(args[1], "rb")
            args = args[2:]
        elif args[0] == "--answer":
            answer = args[1].encode()
            args = args[2:]
        elif args[0] == "--after":
            after = args[1].encode()
            args = args[2:]
        else:
            sys.exit("ptyrun.py: bad option " + args[0])
    if answer is not None:
        expects.insert(0, (after or b"", answer))
    modes = []
    seen, out, rc = run(args[1:], expects, stdin=stdin, procfile=procfile,
                        modes=modes)
    sys.stdout.write(seen.decode(errors="replace").replace("\r", ""))
    sys.stdout.write("--- stdout\n")
    sys.stdout.write(out.decode(errors="replace"))
    sys.stdout.write("--- rc %d\n" % rc)
    sys.stdout.write("--- echo %s\n" %
                     ("on" if modes[0] & termios.ECHO else "off"))


if __name__ == "__main__":
    main()
