#!/usr/bin/env python3
"""Writes a pcapng file with two interfaces of different link types, as
dumpcap -i lo -i eth0 does: interface 0 is Ethernet (microsecond times),
interface 1 is raw IP (if_tsresol 9: nanosecond times). One TCP
conversation 127.0.0.1:40000 -> 127.0.0.1:5555 runs over both: the client
sends "hello, wirerig" in two pieces (on interface 0), the server answers
"mixed link types" (on interface 1).

usage: mixed_pcapng.py OUT.pcapng"""
import struct
import sys


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip_tcp(src, dst, sport, dport, seq, ack, flags, data=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags,
                      65535, 0, 0) + data
    pseudo = struct.pack("!4s4sBBH", src, dst, 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64,
                     6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + tcp


def block(btype, body):
    body += b"\0" * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


def idb(linktype, tsresol=None):
    opts = b""
    if tsresol is not None:
        opts = struct.pack("<HHB3x", 9, 1, tsresol) + struct.pack("<HH", 0, 0)
    return block(1, struct.pack("<HHI", linktype, 0, 262144) + opts)


def epb(ifc, ts, pkt):
    return block(6, struct.pack("<IIIII", ifc, ts >> 32, ts & 0xFFFFFFFF,
                                len(pkt), len(pkt)) + pkt)


C, S = bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1])
ETH = b"\0" * 12 + b"\x08\x00"
t0 = 1700000000
out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
out += idb(1)          # Ethernet, microseconds
out += idb(101, 9)     # raw IP, nanoseconds
us = lambda k: t0 * 1000000 + k * 1000
ns = lambda k: t0 * 1000000000 + k * 1000000
cs, ss = 1000, 5000
out += epb(0, us(0), ETH + ip_tcp(C, S, 40000, 5555, cs, 0, 0x02))
out += epb(1, ns(1), ip_tcp(S, C, 5555, 40000, ss, cs + 1, 0x12))
out += epb(0, us(2), ETH + ip_tcp(C, S, 40000, 5555, cs + 1, ss + 1, 0x10))
out += epb(0, us(3), ETH + ip_tcp(C, S, 40000, 5555, cs + 1, ss + 1, 0x18, b"hello, "))
out += epb(0, us(4), ETH + ip_tcp(C, S, 40000, 5555, cs + 8, ss + 1, 0x18, b"wirerig"))
out += epb(1, ns(5), ip_tcp(S, C, 5555, 40000, ss + 1, cs + 15, 0x18, b"mixed link types"))
out += epb(0, us(6), ETH + ip_tcp(C, S, 40000, 5555, cs + 15, ss + 17, 0x11))
out += epb(1, ns(7), ip_tcp(S, C, 5555, 40000, ss + 17, cs + 16, 0x11))
out += epb(0, us(8), ETH + ip_tcp(C, S, 40000, 5555, cs + 16, ss + 18, 0x10))
open(sys.argv[1], "wb").write(out)
