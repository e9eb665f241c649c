#!/usr/bin/env python3
"""Clients for the preload integration tests (tests/preload/*.sh): each
drives one real server through its protocol and checks every answer.
They run outside the shim; every socket has a timeout, so a server that
hangs under the shim fails the test instead of stalling it.

  client.py http PORT DIR        GET and HEAD of files in DIR, a 404,
                                 two requests on one connection
  client.py redis PORT           PING, SET/GET, a 60 kB value, pipelining
  client.py packet4 PORT         {packet,4} frames echoed, one 25 kB
  client.py reset-then MODE ARGS the first connection is expected to be
                                 reset by the shim (reset:N@0); then MODE
"""
import os
import socket
import struct
import sys

TIMEOUT = 20


def conn(port):
    s = socket.create_connection(("127.0.0.1", int(port)), timeout=TIMEOUT)
    s.settimeout(TIMEOUT)
    return s


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        k = s.recv(n - len(b))
        if not k:
            raise AssertionError("connection closed after %d of %d bytes" % (len(b), n))
        b += k
    return b


def recv_until(s, mark):
    b = b""
    while mark not in b:
        k = s.recv(65536)
        if not k:
            raise AssertionError("closed before %r; got %r" % (mark, b[-200:]))
        b += k
    return b


def http_get(s, path, method="GET", keep=True):
    s.sendall(("%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: %s\r\n\r\n"
               % (method, path, "keep-alive" if keep else "close")).encode())
    head = recv_until(s, b"\r\n\r\n")
    hdr, rest = head.split(b"\r\n\r\n", 1)
    lines = hdr.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for l in lines[1:]:
        k, _, v = l.partition(":")
        if k.strip().lower() == "content-length":
            length = int(v.strip())
    if method == "HEAD":
        return status, b""
    body = rest + recv_exact(s, length - len(rest)) if length > len(rest) else rest
    assert len(body) == length, (len(body), length)
    return status, body


def do_http(port, d):
    big = open(os.path.join(d, "big.bin"), "rb").read()
    small = open(os.path.join(d, "small.txt"), "rb").read()
    s = conn(port)
    st, body = http_get(s, "/big.bin")
    assert st == 200 and body == big, ("big", st, len(body))
    s.close()
    s = conn(port)
    st, body = http_get(s, "/small.txt", keep=False)
    assert st == 200 and body == small, ("small", st, body)
    s.close()
    s = conn(port)
    st, _ = http_get(s, "/small.txt", method="HEAD", keep=False)
    assert st == 200, ("head", st)
    s.close()
    s = conn(port)
    st, _ = http_get(s, "/no-such-file", keep=False)
    assert st == 404, ("404", st)
    s.close()


def resp(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def read_reply(s, buf):
    """One RESP reply from buf (bytes so far) + socket; returns (reply, rest)."""
    while b"\r\n" not in buf:
        k = s.recv(65536)
        if not k:
            raise AssertionError("closed in a reply")
        buf += k
    line, rest = buf.split(b"\r\n", 1)
    t = line[:1]
    if t in (b"+", b"-", b":"):
        return line, rest
    if t == b"$":
        n = int(line[1:])
        if n < 0:
            return None, rest
        while len(rest) < n + 2:
            k = s.recv(1 << 20)
            if not k:
                raise AssertionError("closed in a bulk reply")
            rest += k
        return rest[:n], rest[n + 2:]
    raise AssertionError("unexpected reply %r" % line)


def do_redis(port):
    s = conn(port)
    buf = b""
    s.sendall(resp("PING"))
    r, buf = read_reply(s, buf)
    assert r == b"+PONG", r
    s.sendall(resp("SET", "colour", "blue"))
    r, buf = read_reply(s, buf)
    assert r == b"+OK", r
    s.sendall(resp("GET", "colour"))
    r, buf = read_reply(s, buf)
    assert r == b"blue", r
    big = bytes((i * 7 + 3) % 251 for i in range(60000))
    s.sendall(resp("SET", "big", big))
    r, buf = read_reply(s, buf)
    assert r == b"+OK", r
    s.sendall(resp("GET", "big"))
    r, buf = read_reply(s, buf)
    assert r == big, "big value differs"
    # Pipelined: three commands in one write, three replies in order.
    s.sendall(resp("INCR", "n") + resp("INCR", "n") + resp("GET", "n"))
    r1, buf = read_reply(s, buf)
    r2, buf = read_reply(s, buf)
    r3, buf = read_reply(s, buf)
    assert (r1, r2, r3) == (b":1", b":2", b"2"), (r1, r2, r3)
    s.sendall(resp("DEL", "n", "big", "colour"))
    r, buf = read_reply(s, buf)
    assert r == b":3", r
    s.close()


def do_packet4(port):
    s = conn(port)
    frames = [b"hello", b"", b"x" * 300, bytes(range(256)) * 100]
    for f in frames:
        s.sendall(struct.pack(">I", len(f)) + f)
        n = struct.unpack(">I", recv_exact(s, 4))[0]
        assert n == len(f), (n, len(f))
        assert recv_exact(s, n) == f
    # Pipelined: three frames in one write.
    batch = [b"one", b"two" * 50, b"three"]
    s.sendall(b"".join(struct.pack(">I", len(f)) + f for f in batch))
    for f in batch:
        n = struct.unpack(">I", recv_exact(s, 4))[0]
        assert recv_exact(s, n) == f
    s.close()


def reset_first(port, send):
    """The shim resets connection 0 after a few bytes: this client must see
    the connection end (reset or close) without an answer."""
    s = conn(port)
    try:
        s.sendall(send)
        got = s.recv(65536)
        assert got == b"", "an answer on the connection meant to be reset: %r" % got[:80]
    except (ConnectionResetError, BrokenPipeError):
        pass
    s.close()


def main(argv):
    mode = argv[1]
    if mode == "reset-then":
        mode = argv[2]
        argv = argv[1:]
        first = {"http": b"GET /small.txt HTTP/1.1\r\nHost: x\r\n\r\n",
                 "redis": resp("PING") * 4,
                 "packet4": struct.pack(">I", 40) + b"y" * 40}[mode]
        reset_first(argv[2], first)
    if mode == "http":
        do_http(argv[2], argv[3])
    elif mode == "redis":
        do_redis(argv[2])
    elif mode == "packet4":
        do_packet4(argv[2])
    else:
        raise SystemExit("client.py: unknown mode " + mode)


if __name__ == "__main__":
    main(sys.argv)
