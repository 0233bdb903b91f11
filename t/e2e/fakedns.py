#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# fakedns.py - the "system resolver" of t/resolver_isolation.sh: a DNS server on
# ADDR port PORT (UDP and TCP) that answers every query REFUSED and appends one
# line "udp|tcp QNAME QTYPE" per query to LOGFILE (flushed at once). When both
# sockets are bound it writes "ready" to LOGFILE.ready. Standard library only.
# Usage: /usr/bin/python3 fakedns.py ADDR PORT LOGFILE
import socket
import struct
import sys
import threading

lock = threading.Lock()


def question(msg):
    """(qname, qtype, end offset of the question) of a query, or None."""
    if len(msg) < 12 or struct.unpack("!H", msg[4:6])[0] < 1:
        return None
    labels, pos = [], 12
    while pos < len(msg):
        n = msg[pos]
        pos += 1
        if n == 0:
            break
        if n & 0xC0 or pos + n > len(msg):
            return None
        labels.append(msg[pos:pos + n].decode("ascii", "backslashreplace"))
        pos += n
    if pos + 4 > len(msg):
        return None
    qtype = struct.unpack("!H", msg[pos:pos + 2])[0]
    return ".".join(labels) + ".", qtype, pos + 4


def refused(msg, q):
    """A REFUSED reply to query msg, echoing its question when it has one."""
    ident = msg[0:2] if len(msg) >= 2 else b"\0\0"
    flags2 = msg[2] if len(msg) >= 3 else 0
    hdr = ident + bytes([0x80 | (flags2 & 0x79), 0x05])
    if q is None:
        return hdr + b"\0\0\0\0\0\0\0\0"
    return hdr + b"\0\x01\0\0\0\0\0\0" + msg[12:q[2]]


def log(logfile, proto, q):
    """One line per query received."""
    with lock, open(logfile, "a") as f:
        if q is None:
            f.write("%s (unparsable query)\n" % proto)
        else:
            f.write("%s %s %d\n" % (proto, q[0], q[1]))


def serve_udp(sock, logfile):
    while True:
        msg, peer = sock.recvfrom(65535)
        q = question(msg)
        log(logfile, "udp", q)
        sock.sendto(refused(msg, q), peer)


def serve_tcp_conn(conn, logfile):
    with conn:
        while True:
            head = conn.recv(2, socket.MSG_WAITALL)
            if len(head) < 2:
                return
            n = struct.unpack("!H", head)[0]
            msg = conn.recv(n, socket.MSG_WAITALL)
            if len(msg) < n:
                return
            q = question(msg)
            log(logfile, "tcp", q)
            reply = refused(msg, q)
            conn.sendall(struct.pack("!H", len(reply)) + reply)


def serve_tcp(sock, logfile):
    while True:
        conn, _ = sock.accept()
        threading.Thread(target=serve_tcp_conn, args=(conn, logfile),
                         daemon=True).start()


def main():
    addr, port, logfile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    open(logfile, "a").close()
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind((addr, port))
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.bind((addr, port))
    tcp.listen(16)
    threading.Thread(target=serve_tcp, args=(tcp, logfile), daemon=True).start()
    with open(logfile + ".ready", "w") as f:
        f.write("ready\n")
    serve_udp(udp, logfile)


if __name__ == "__main__":
    main()
