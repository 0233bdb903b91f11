#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# arclist.py - the mailing list between the two hops of t/postfix_e2e.sh's ARC
# scenario (test only): reads a message as the first hop delivered it, does what a
# list does (Subject tag, List-Id, footer: the author's DKIM signature breaks),
# seals it with one ARC set (python3-dkim's ARC signer, d=list.example s=arc1, which
# copies the first hop's Authentication-Results of authserv-id SRVID into the
# ARC-Authentication-Results), and writes the list's copy, CRLF line ends.
# With --tamper the body is changed once more after sealing (a broken chain).
# Usage: /usr/bin/python3 arclist.py IN OUT SEALERKEY SRVID [--tamper]
import sys

import dkim

SIGNED_FIELDS = [b"from", b"to", b"subject", b"date", b"message-id", b"list-id"]


def main():
    src, dst, keyfile, srv_id = sys.argv[1:5]
    tamper = "--tamper" in sys.argv[5:]
    with open(src, "rb") as f:
        msg = f.read().replace(b"\r\n", b"\n")
    with open(keyfile, "rb") as f:
        key = f.read()
    head, sep, body = msg.partition(b"\n\n")
    if not sep:
        sys.exit("arclist.py: %s has no body" % src)
    lines, tagged = [], False
    for line in head.split(b"\n"):
        if line.lower().startswith(b"subject:") and not tagged:
            line = b"Subject: [e2e-list]" + line[len(b"subject:"):]
            tagged = True
        lines.append(line)
    if not tagged:
        sys.exit("arclist.py: %s has no Subject" % src)
    lines.append(b"List-Id: E2E list <e2e-list.rcpt.test>")
    body += b"--\nE2E list: e2e-list@rcpt.test\n"
    msg = (b"\n".join(lines) + b"\n\n" + body).replace(b"\n", b"\r\n")
    arc = dkim.arc_sign(msg, b"arc1", b"list.example", key, srv_id.encode(),
                        include_headers=SIGNED_FIELDS)
    if not arc:
        sys.exit("arclist.py: the ARC signer made no set (no Authentication-"
                 "Results of %s?)" % srv_id)
    msg = b"".join(arc) + msg
    if tamper:
        msg += b"Appended after the seal.\r\n"
    with open(dst, "wb") as f:
        f.write(msg)


if __name__ == "__main__":
    main()
