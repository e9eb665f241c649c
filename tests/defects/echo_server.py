#!/usr/bin/env python3
"""Small servers nobody in wirerig wrote, for the capture -> to-scenario ->
run round trip (roundtrip.sh): `echo_server.py serve MODE PORTFILE` answers
every packet of framing MODE (raw, 1, 2, 4, line) with "echo:" + packet in
the same framing, one connection after another, until killed; `echo_server.py
client MODE PORT` holds one conversation with it, as a client would.

Both sides are plain Python sockets, framed by hand: the point is that
neither shares code with wirerig.
"""
import socket
import struct
import sys
import time

HDR = {"1": "!B", "2": "!H", "4": "!I"}


def recv_exact(c, n):
    b = b""
    while len(b) < n:
        k = c.recv(n - len(b))
        if not k:
            return None
        b += k
    return b


def frame(mode, payload):
    if mode in HDR:
        return struct.pack(HDR[mode], len(payload)) + payload
    if mode == "line":
        return payload + b"\n"
    return payload


def packets(mode, c):
    """Yields the packets the peer sends until it closes."""
    if mode in HDR:
        size = struct.calcsize(HDR[mode])
        while True:
            h = recv_exact(c, size)
            if h is None:
                return
            p = recv_exact(c, struct.unpack(HDR[mode], h)[0])
            if p is None:
                return
            yield p
    elif mode == "line":
        buf = b""
        while True:
            k = c.recv(4096)
            if not k:
                return
            buf += k
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                yield line
    else:
        while True:
            k = c.recv(4096)
            if not k:
                return
            yield k


def serve(mode, portfile):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(5)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(ls.getsockname()[1]))
    import os
    os.rename(portfile + ".tmp", portfile)
    while True:
        c, _ = ls.accept()
        for p in packets(mode, c):
            c.sendall(frame(mode, b"echo:" + p))
        c.close()


def client(mode, port):
    c = socket.create_connection(("127.0.0.1", int(port)))
    msgs = [b"hello", b"wirerig", b"x" * 300 if mode != "1" else b"x" * 200]
    for m in msgs:
        c.sendall(frame(mode, m))
        want = frame(mode, b"echo:" + m)
        got = recv_exact(c, len(want))
        if got != want:
            sys.exit("client: expected %r, got %r" % (want, got))
        time.sleep(0.01)
    c.shutdown(socket.SHUT_WR)
    if c.recv(1) != b"":
        sys.exit("client: expected the server to close")
    c.close()


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2], sys.argv[3])
    else:
        client(sys.argv[2], sys.argv[3])
