#!/usr/bin/python3
"""hostile: hostile clients for t-hostile.sh, holding many sockets at once.

  hostile.py slowloris SOCK N INTERVAL SECONDS OUT
      Opens N connections, then sends one byte ("P", never a newline) on
      each open one every INTERVAL seconds, for at most SECONDS or until the
      daemon has closed them all.
  hostile.py hold SOCK N SECONDS OUT
      Opens N connections, says HELLO 1 on each (a whole line, then quiet)
      and holds those the daemon keeps for SECONDS.
  hostile.py pipeline SOCK N SECONDS OUT
      Sends HELLO 1 and N HELP requests on one connection without reading
      any reply, waits SECONDS, then reads what comes until the daemon
      closes or stays silent for 3 s.

Each writes "name=value" lines to OUT (atomically, once the connections
are set up, and again at the end as OUT.done), so the test can act while
the attack runs.
"""

import os
import selectors
import socket
import sys
import time


def publish(path, fields):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        for k, v in fields.items():
            f.write("%s=%s\n" % (k, v))
    os.rename(tmp, path)


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)		# blocking: waits for room in the backlog
    s.setblocking(False)
    return s


def gather(conns, secs, got, closed, answered=False):
    """Reads from conns for secs seconds (or, with answered, until each has
    a whole line or is closed); got[s] collects bytes."""
    sel = selectors.DefaultSelector()
    for s in conns:
        if s not in closed:
            sel.register(s, selectors.EVENT_READ)
    end = time.monotonic() + secs
    while sel.get_map():
        left = end - time.monotonic()
        if left <= 0:
            break
        if answered and all(s in closed or b"\n" in got.get(s, b"")
                            for s in conns):
            break
        for key, _ in sel.select(left):
            s = key.fileobj
            try:
                b = s.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                b = b""
            if not b:
                closed[s] = time.monotonic()
                sel.unregister(s)
            else:
                got[s] = got.get(s, b"") + b
    sel.close()


def opened(sock, n, greet):
    conns, failed = [], 0
    for _ in range(n):
        try:
            s = connect(sock)
        except OSError:
            failed += 1
            continue
        conns.append(s)
        if greet:
            try:
                s.send(greet)
            except OSError:
                pass		# refused and closed already: read why
    return conns, failed


def busy(got, s):
    return got.get(s, b"").startswith(b"ERR busy")


def slowloris(sock, n, interval, secs, out):
    start = time.monotonic()
    conns, failed = opened(sock, n, None)
    got, closed = {}, {}
    gather(conns, 1.0, got, closed)
    refused = [s for s in conns if busy(got, s)]
    held = [s for s in conns if s not in closed and not busy(got, s)]
    first = {}
    publish(out, {"opened": len(conns), "failed": failed,
                  "busy": len(refused), "held": len(held)})
    while time.monotonic() - start < secs:
        live = [s for s in held if s not in closed]
        if not live:
            break
        for s in live:
            try:
                s.send(b"P")
                first.setdefault(s, time.monotonic())
            except OSError:
                pass
        gather(live, interval, got, closed)
    kept = [s for s in conns if not busy(got, s)]
    after = [closed[s] - first[s] for s in kept if s in closed and s in first]
    publish(out + ".done", {
        "busy": len(conns) - len(kept),
        "held": len(kept),
        "err_timeout": len([s for s in kept
                            if b"ERR timeout" in got.get(s, b"")]),
        "still_open": len([s for s in kept if s not in closed]),
        "min_close_after": "%.1f" % min(after) if after else "-",
        "max_close_after": "%.1f" % max(after) if after else "-",
        "took": "%.1f" % (time.monotonic() - start)})


def hold(sock, n, secs, out):
    t0 = time.monotonic()
    conns, failed = opened(sock, n, b"HELLO 1\n")
    got, closed = {}, {}
    gather(conns, 15.0, got, closed, answered=True)
    kinds = {}
    for s in conns:
        text = got.get(s, b"")
        k = "held" if s not in closed and text.startswith(b"OK ECO") \
            else text.split(b"\n")[0].decode("ascii", "replace")
        kinds[k] = kinds.get(k, 0) + 1
    fields = {"opened": len(conns), "failed": failed,
              "held": kinds.pop("held", 0),
              "busy": sum(v for k, v in kinds.items()
                          if k.startswith("ERR busy")),
              "busy_uid": kinds.get("ERR busy too many connections from "
                                    "your uid; close some first", 0),
              "busy_full": kinds.get("ERR busy too many connections; try "
                                     "again later", 0),
              "busy_nofile": kinds.get("ERR busy out of descriptors; try "
                                       "again later", 0),
              "answer_secs": "%.1f" % (time.monotonic() - t0)}
    publish(out, fields)
    gather(conns, secs, got, closed)
    publish(out + ".done", fields)


def pipeline(sock, n, secs, out):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(sock)
    s.settimeout(5)
    sent = 0
    data = b"HELLO 1\n" + b"HELP\n" * n
    try:
        while sent < len(data):
            sent += s.send(data[sent:sent + 65536])
    except OSError:
        pass
    publish(out, {"sent_requests": data[:sent].count(b"\n")})
    time.sleep(secs)
    s.settimeout(3)
    received, closed = 0, "no"
    try:
        while True:
            b = s.recv(65536)
            if not b:
                closed = "yes"
                break
            received += len(b)
    except socket.timeout:
        pass
    except OSError:
        closed = "yes"
    publish(out + ".done", {"sent_requests": data[:sent].count(b"\n"),
                            "received": received, "closed": closed})


def main():
    mode, sock, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode == "slowloris":
        slowloris(sock, n, float(sys.argv[4]), float(sys.argv[5]),
                  sys.argv[6])
    elif mode == "hold":
        hold(sock, n, float(sys.argv[4]), sys.argv[5])
    elif mode == "pipeline":
        pipeline(sock, n, float(sys.argv[4]), sys.argv[5])
    else:
        sys.exit(2)


if __name__ == "__main__":
    main()
