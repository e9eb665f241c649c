#!/usr/bin/env python3
"""A server that misbehaves on purpose, for the fault tests (issue #17).

    fault_server.py MODE PORT

Listens on 127.0.0.1:PORT, prints "ready" (the scenario's ready= text) and
accepts one connection, then according to MODE:

  segv   reads one byte, then kills itself with SIGSEGV (a crash mid-run)
  exit3  reads one byte, then exits with status 3
  stall  accepts and never reads or answers (until killed)
  rst    reads one byte, then resets the connection (SO_LINGER 0)
  close  closes the connection at once
  flood  writes without end until the peer goes
  echo   echoes what it reads (the control case)

It stops by itself after 60 s whatever happens, so a test that forgot it
leaves nothing behind for long.
"""
import os
import signal
import socket
import struct
import sys
import time


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    signal.alarm(60)
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(8)
    print("ready", flush=True)
    c, _ = ls.accept()
    if mode == "close":
        c.close()
        time.sleep(60)
    elif mode == "stall":
        time.sleep(60)
    elif mode == "flood":
        chunk = b"x" * 65536
        try:
            while True:
                c.sendall(chunk)
        except OSError:
            pass
    elif mode == "echo":
        while True:
            d = c.recv(65536)
            if not d:
                break
            c.sendall(d)
    else:
        c.recv(1)
        if mode == "segv":
            os.kill(os.getpid(), signal.SIGSEGV)
        elif mode == "exit3":
            sys.exit(3)
        elif mode == "rst":
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         struct.pack("ii", 1, 0))
            c.close()
            time.sleep(60)


if __name__ == "__main__":
    main()
