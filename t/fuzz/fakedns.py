#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""fakedns.py - a tiny hostile DNS server for t/dnsfault_test.sh (stdlib only)

usage: fakedns.py MODE PORTFILE

Listens on 127.0.0.1 (UDP and TCP, one port chosen by the kernel, written to
PORTFILE once both sockets are bound) and answers every query according to MODE:

  servfail   a well-formed reply with RCODE 2
  nxdomain   a well-formed authoritative NXDOMAIN (a working upstream)
  tc         a UDP reply with the TC bit and nothing else; TCP connections are
             accepted and closed at once (so the retry over TCP fails too)
  malformed  the right ID and flags, but counts promising records that are not
             there, or a question cut in the middle
  garbage    random bytes of random length (also shorter than a DNS header)
  wrongid    a well-formed NOERROR reply with another query ID
  silent     never answers
  policy     an upstream where some domains' servers are down: names with a
             label "slow" are never answered, _dmarc.D TXT answers
             "v=DMARC1; p=reject" for D of two labels or more, everything
             else is NXDOMAIN
  mixed      each query gets the next of servfail, tc, malformed, garbage, wrongid

It runs until killed. Every query is counted on stderr as "MODE: N queries".
"""
import os
import random
import socket
import struct
import sys
import threading

MIXED = ["servfail", "tc", "malformed", "garbage", "wrongid"]


def question_end(q):
    """Offset just after the question section of query q, or None."""
    i = 12
    while i < len(q):
        n = q[i]
        if n == 0:
            return i + 5 if i + 5 <= len(q) else None
        if n & 0xC0:
            return None
        i += 1 + n
    return None


def labels(q, end):
    """The lowercase labels of the question name of q."""
    out, i = [], 12
    while i < end - 4 and q[i] != 0:
        out.append(q[i + 1:i + 1 + q[i]].decode("ascii", "replace").lower())
        i += 1 + q[i]
    return out


def reply(q, mode, rng):
    """The bytes to send back for query q (None: no answer)."""
    if mode == "silent" or len(q) < 12:
        return None
    qid = q[:2]
    end = question_end(q) or 12
    question = q[12:end]
    qd = 1 if end > 12 else 0
    rd = q[2] & 0x01
    if mode == "policy":
        names = labels(q, end)
        if "slow" in names:
            return None
        qtype = struct.unpack(">H", q[end - 4:end - 2])[0] if end > 12 else 0
        # only registered-domain names publish: a record at _dmarc.<TLD> without
        # psd= would make the TLD everyone's organizational domain (RFC 9989
        # tree walk), and every identifier under it aligned
        if names[:1] == ["_dmarc"] and len(names) >= 3 and qtype == 16:
            txt = b"v=DMARC1; p=reject"
            rr = (b"\xc0\x0c" + struct.pack(">HHIH", 16, 1, 60, len(txt) + 1)
                  + bytes([len(txt)]) + txt)
            return qid + bytes([0x84 | rd, 0x80]) + struct.pack(">HHHH", qd, 1, 0, 0) + question + rr
        mode = "nxdomain"
    if mode == "servfail":
        return qid + bytes([0x80 | rd, 0x82]) + struct.pack(">HHHH", qd, 0, 0, 0) + question
    if mode == "nxdomain":
        return qid + bytes([0x84 | rd, 0x83]) + struct.pack(">HHHH", qd, 0, 0, 0) + question
    if mode == "tc":
        return qid + bytes([0x82 | rd, 0x80]) + struct.pack(">HHHH", qd, 0, 0, 0) + question
    if mode == "wrongid":
        other = struct.pack(">H", (struct.unpack(">H", qid)[0] + 1) & 0xFFFF)
        return other + bytes([0x80 | rd, 0x80]) + struct.pack(">HHHH", qd, 0, 0, 0) + question
    if mode == "malformed":
        if rng.random() < 0.5:
            # five answers promised, one half-record given
            return (qid + bytes([0x80 | rd, 0x80]) + struct.pack(">HHHH", qd, 5, 0, 0)
                    + question + b"\xc0\x0c\x00\x10\x00\x01\x00\x00")
        cut = max(13, len(q) - 3)
        return qid + bytes([0x80 | rd, 0x80]) + struct.pack(">HHHH", 1, 0, 0, 0) + q[12:cut]
    if mode == "garbage":
        return bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 600)))
    return None


class Server:
    """UDP and TCP on one port; counts queries."""

    def __init__(self, mode):
        self.mode = mode
        self.count = 0
        self.lock = threading.Lock()
        self.rng = random.Random(7)
        # one port number for UDP and TCP: the UDP port the kernel picks may be
        # taken for TCP (another test's connection), so try again a few times
        for attempt in range(50):
            self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.udp.bind(("127.0.0.1", 0))
            self.port = self.udp.getsockname()[1]
            self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                self.tcp.bind(("127.0.0.1", self.port))
                break
            except OSError:
                self.tcp.close()
                self.udp.close()
                if attempt == 49:
                    raise
        self.tcp.listen(16)

    def next_mode(self):
        """The mode for the next query."""
        with self.lock:
            self.count += 1
            n = self.count
        sys.stderr.write("%s: %d queries\n" % (self.mode, n))
        sys.stderr.flush()
        if self.mode == "mixed":
            return MIXED[n % len(MIXED)]
        return self.mode

    def serve_udp(self):
        while True:
            q, peer = self.udp.recvfrom(4096)
            r = reply(q, self.next_mode(), self.rng)
            if r is not None:
                self.udp.sendto(r, peer)

    def serve_tcp_conn(self, c):
        try:
            c.settimeout(5)
            mode = self.next_mode()
            if mode in ("tc", "silent"):
                if mode == "silent":
                    c.recv(4096)
                return
            hdr = c.recv(2)
            if len(hdr) < 2:
                return
            want = struct.unpack(">H", hdr)[0]
            q = b""
            while len(q) < want:
                part = c.recv(want - len(q))
                if not part:
                    return
                q += part
            r = reply(q, "servfail" if mode == "tc" else mode, self.rng)
            if r is not None:
                c.sendall(struct.pack(">H", len(r)) + r)
        except OSError:
            pass
        finally:
            c.close()

    def serve_tcp(self):
        while True:
            c, _ = self.tcp.accept()
            threading.Thread(target=self.serve_tcp_conn, args=(c,), daemon=True).start()


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in MIXED + ["nxdomain", "silent", "mixed", "policy"]:
        sys.stderr.write(__doc__)
        sys.exit(2)
    srv = Server(sys.argv[1])
    tmp = sys.argv[2] + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.port)
    os.rename(tmp, sys.argv[2])
    threading.Thread(target=srv.serve_tcp, daemon=True).start()
    srv.serve_udp()


if __name__ == "__main__":
    main()
