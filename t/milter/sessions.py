#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# sessions.py - many milter sessions at once against one TCP milter, as an MTA (or
# a hostile local user) would open them; prints "key=value" lines for the caller.
#
#   sessions.py PORT cap N         N sessions negotiate and send the connect step,
#                                  all kept open; prints "s<i>=<reply>" for each
#                                  (c: continue, y:<text>: a reply code, none: no
#                                  answer, eof); then closes them all and, 1 s
#                                  later, prints "after=<reply>" for a new one
#   sessions.py PORT silent N SECS N connections that send nothing; prints
#                                  "closed=<how many the milter closed within SECS>"
#                                  and "open=<the others>"
#   sessions.py PORT flood N       N connections that send nothing, then one real
#                                  session: "session=<reply>" and
#                                  "session_secs=<how long it took>"
import select
import socket
import struct
import sys
import time

# what Postfix offers, without the "no reply" bits (libmilter fakes them)
ACTIONS = 0x1FF
STEPS = 0x1FFFFF & ~(0x80 | 0x1000 | 0x2000 | 0x4000 | 0x8000 | 0x10000 |
                     0x20000 | 0x40000 | 0x80000)


def packet(cmd, data=b""):
    return struct.pack(">I", len(data) + 1) + cmd + data


def readable(s, secs):
    """s has data or end-of-file within secs (poll: descriptors past 1023 too)"""
    p = select.poll()
    p.register(s, select.POLLIN)
    return bool(p.poll(max(0, int(secs * 1000))))


def read_packet(s, timeout):
    """one milter packet (cmd, data), or None on timeout, "eof" at the end"""
    deadline = time.time() + timeout
    buf = b""
    need = 4
    while len(buf) < need:
        left = deadline - time.time()
        if left <= 0:
            return None
        if not readable(s, left):
            return None
        try:
            chunk = s.recv(65536)
        except OSError:
            return "eof"
        if not chunk:
            return "eof"
        buf += chunk
        if len(buf) >= 4 and need == 4:
            need = 4 + struct.unpack(">I", buf[:4])[0]
    return buf[4:5], buf[5:need]


def session(port, timeout=10.0):
    """negotiate and send the connect step; (socket, reply text)"""
    s = socket.create_connection(("127.0.0.1", port), timeout)
    s.sendall(packet(b"O", struct.pack(">III", 6, ACTIONS, STEPS)))
    p = read_packet(s, timeout)
    if p is None or p == "eof" or p[0] != b"O":
        return s, "eof" if p == "eof" else "none"
    host = b"client.example\0"
    addr = b"4" + struct.pack(">H", 25) + b"192.0.2.1\0"
    s.sendall(packet(b"C", host + addr))
    p = read_packet(s, timeout)
    if p is None:
        return s, "none"
    if p == "eof":
        return s, "eof"
    if p[0] == b"y":
        return s, "y:" + p[1].rstrip(b"\0").decode("ascii", "replace")
    return s, p[0].decode("ascii", "replace")


def cap(port, n):
    socks = []
    for i in range(1, n + 1):
        s, reply = session(port)
        socks.append(s)
        print("s%d=%s" % (i, reply), flush=True)
    for s in socks:
        s.close()
    time.sleep(1)
    s, reply = session(port)
    print("after=%s" % reply)
    s.close()


def silent(port, n, secs):
    socks = [socket.create_connection(("127.0.0.1", port), 5) for _ in range(n)]
    closed = set()
    deadline = time.time() + secs
    p = select.poll()
    byfd = {}
    for s in socks:
        p.register(s, select.POLLIN)
        byfd[s.fileno()] = s
    while len(closed) < n and time.time() < deadline:
        for fd, _ in p.poll(200):
            s = byfd[fd]
            p.unregister(fd)
            try:
                data = s.recv(1)
            except OSError:
                data = b""
            if not data:
                closed.add(s)
    print("closed=%d" % len(closed))
    print("open=%d" % (n - len(closed)))
    for s in socks:
        s.close()


def flood(port, n):
    socks = []
    for _ in range(n):
        try:
            socks.append(socket.create_connection(("127.0.0.1", port), 5))
        except OSError:
            break
    print("flood_open=%d" % len(socks))
    t0 = time.time()
    try:
        s, reply = session(port, 60.0)
        s.close()
    except OSError as e:
        reply = "error:" + str(e)
    print("session=%s" % reply)
    print("session_secs=%.1f" % (time.time() - t0))
    for s in socks:
        s.close()


def main():
    port, mode = int(sys.argv[1]), sys.argv[2]
    if mode == "cap":
        cap(port, int(sys.argv[3]))
    elif mode == "silent":
        silent(port, int(sys.argv[3]), float(sys.argv[4]))
    elif mode == "flood":
        flood(port, int(sys.argv[3]))
    else:
        sys.exit("usage: sessions.py PORT cap N | silent N SECS | flood N")


main()
