#!/usr/bin/python3
# tap.py LISTEN TARGET LOG: a Unix socket at LISTEN that passes every
# connection on to the daemon at TARGET, appending each byte it carries,
# both ways, to LOG: what anyone watching ecod's socket would see. Runs
# until killed. A test tool for "the code never goes on the wire".
import os
import socket
import sys
import threading

listen, target, log = sys.argv[1], sys.argv[2], sys.argv[3]
lock = threading.Lock()


def pump(src, dst):
    try:
        while True:
            b = src.recv(65536)
            if not b:
                break
            with lock, open(log, "ab") as f:
                f.write(b)
            dst.sendall(b)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def serve(client):
    up = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    up.connect(target)
    threading.Thread(target=pump, args=(client, up), daemon=True).start()
    threading.Thread(target=pump, args=(up, client), daemon=True).start()


if os.path.exists(listen):
    os.unlink(listen)
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(listen)
srv.listen(16)
open(log, "ab").close()
print("ready", flush=True)
while True:
    c, _ = srv.accept()
    serve(c)
