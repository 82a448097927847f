#!/usr/bin/python3
# worker_session.py ECOCTL SOCKET HOME SLOT1 SLOT2 SLOT3 SLOT4: a worker's
# whole session at a terminal, as a person would type it, the code held
# in this process's memory only (read off the screen after book, typed at
# every prompt): book SLOT1, status, status --ical, reschedule SLOT2,
# reply, messages, cancel, book SLOT3 --code, reschedule SLOT4 with the
# code on the command line (the warned form). Runs under HOME and TMPDIR
# = HOME/tmp. Then looks for the code (with and without dashes, either
# case) in every regular file under HOME and under /tmp, and prints one
# line per command ("ok NAME" or "fail NAME: why"), "found PATH" for each
# file holding it, and "scanned N files". Never prints the code.
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
import ptyrun  # noqa: E402

PROMPT = b"Your code (not shown as you type): "
CODE = re.compile(rb"^[0-9A-Z]{4}(-[0-9A-Z]{4}){6}$", re.M)


def main():
    ecoctl, sock, home = sys.argv[1:4]
    s1, s2, s3, s4 = sys.argv[4:8]
    tmp = os.path.join(home, "tmp")
    os.makedirs(tmp, exist_ok=True)
    env = dict(os.environ, HOME=home, TMPDIR=tmp, LANG="C.UTF-8",
               LC_ALL="C.UTF-8")
    env.pop("LANGUAGE", None)
    with open(os.path.join(home, "reply.txt"), "w") as f:
        f.write("a reply from the session\n")

    def ctl(name, args, typed=None, want_rc=0):
        expects = [(PROMPT, typed)] if typed is not None else []
        seen, out, rc = ptyrun.run([ecoctl, "-s", sock] + args, expects,
                                   env=env)
        if rc != want_rc:
            print("fail %s: exit %d" % (name, rc))
        elif typed is not None and typed in seen:
            print("fail %s: the typed code was echoed" % name)
        else:
            print("ok %s" % name)
        return seen, out

    seen, out = ctl("book", ["book", s1])
    m = CODE.search(out)
    if m is None:
        print("fail book: no code on stdout")
        return
    code = m.group(0)
    ctl("status", ["status"], code)
    ctl("status --ical", ["status", "--ical"], code)
    ctl("reschedule", ["reschedule", s2], code)
    ctl("reply", ["reply", "--file", os.path.join(home, "reply.txt")], code)
    ctl("messages", ["messages"], code)
    ctl("cancel", ["cancel"], code)
    ctl("book --code", ["book", s3, "--code"], code)
    seen, _ = ctl("reschedule CODE", ["reschedule", code.decode(), s4])
    if b"command line" not in seen:
        print("fail reschedule CODE: no warning")
    forms = {code, code.replace(b"-", b"")}
    forms |= {f.lower() for f in forms}
    n = 0
    for root in (home, "/tmp"):
        for d, _, files in os.walk(root):
            for name in files:
                path = os.path.join(d, name)
                try:
                    if not os.path.isfile(path) or os.path.islink(path) or \
                            os.path.getsize(path) > 256 << 20:
                        continue
                    with open(path, "rb") as f:
                        data = f.read()
                except OSError:
                    continue
                n += 1
                if any(c in data for c in forms):
                    print("found " + path)
    print("scanned %d files" % n)


main()
