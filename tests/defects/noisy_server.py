#!/usr/bin/env python3
"""A {packet,2} echo server that logs heavily, as real servers do:
`noisy_server.py PORT [--ready]` prints "listening" (with --ready), then
writes 256 KiB to stdout and to stderr before it accepts, and 64 KiB more
per request; it answers every packet P with "echo:" + P. Used by
target_output.sh: a harness that does not drain a target's output blocks
it (a pipe holds 64 KiB), and one that passes the output through corrupts
its own stdout."""
import socket
import struct
import sys

port = int(sys.argv[1])
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", port))
ls.listen(5)
if "--ready" in sys.argv:
    print("listening", flush=True)
line = "noise " * 20 + "\n"
for _ in range(256 * 1024 // len(line) + 1):
    sys.stdout.write(line)
    sys.stderr.write(line)
sys.stdout.flush()
sys.stderr.flush()
while True:
    c, _ = ls.accept()
    while True:
        h = c.recv(2, socket.MSG_WAITALL)
        if len(h) < 2:
            break
        n = struct.unpack("!H", h)[0]
        p = c.recv(n, socket.MSG_WAITALL) if n else b""
        for _ in range(64 * 1024 // len(line) + 1):
            sys.stdout.write(line)
        print("request %r" % p, flush=True)
        r = b"echo:" + p
        c.sendall(struct.pack("!H", len(r)) + r)
    c.close()
