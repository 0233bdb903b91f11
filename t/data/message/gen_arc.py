#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# gen_arc.py - (re)create the ARC fixtures of t/message_test.c with dkimpy's ARC
# sealer (an implementation independent of ours), using gen.py's key.pem and the
# keys already in test.zone (s1._domainkey.example.com, s1._domainkey.reject.example).
# Run with Debian's /usr/bin/python3 (python3-dkim, python3-authres) after gen.py.
import dkim

key = open("key.pem", "rb").read()

orig = (b"From: Alice <alice@reject.example>\r\n"
        b"To: list@example.com\r\n"
        b"Subject: test\r\n"
        b"Date: Sun, 22 Nov 2026 10:00:00 +0000\r\n"
        b"Message-ID: <arc1@reject.example>\r\n"
        b"\r\n"
        b"Hello list.\r\n")
hdrs = [b"from", b"to", b"subject", b"date", b"message-id"]
signed = dkim.sign(orig, b"s1", b"reject.example", key, include_headers=hdrs) + orig


def seal(msg, domain, srv, results):
    ar = b"Authentication-Results: " + srv + b"; " + results + b"\r\n"
    sealed = dkim.arc_sign(ar + msg, b"s1", domain, key, srv, include_headers=hdrs,
                           timestamp=1795000000)
    return b"".join(sealed) + msg


# the list lists.example.com saw DKIM and DMARC pass, then tagged the Subject
# (which breaks reject.example's signature) and sealed as example.com
listed = signed.replace(b"Subject: test\r\n", b"Subject: [list] test\r\n")
fwd = seal(listed, b"example.com", b"lists.example.com",
           b"arc=none; spf=pass smtp.mailfrom=alice@reject.example;"
           b" dkim=pass header.d=reject.example; dmarc=pass header.from=reject.example")
open("arc-forwarded.eml", "wb").write(fwd)

# the same, and then the footer of a second, unsealed list: the chain breaks
open("arc-broken.eml", "wb").write(fwd + b"-- \r\nsecond list footer\r\n")

# the list sealed, but its own AAR saw nothing aligned with reject.example pass
open("arc-unauth.eml", "wb").write(seal(listed, b"example.com", b"lists.example.com",
     b"arc=none; spf=fail smtp.mailfrom=alice@reject.example;"
     b" dkim=pass header.d=evil.example; dmarc=fail header.from=reject.example"))

# an attacker seals as example.com with a key of its own (not the one in DNS)
import subprocess, tempfile
with tempfile.NamedTemporaryFile() as t:
    subprocess.run(["openssl", "genrsa", "-out", t.name, "2048"], check=True,
                   capture_output=True)
    rogue = open(t.name, "rb").read()
ar = (b"Authentication-Results: lists.example.com; arc=none; dmarc=pass"
      b" header.from=reject.example\r\n")
forged = dkim.arc_sign(ar + listed, b"s1", b"example.com", rogue, b"lists.example.com",
                       include_headers=hdrs, timestamp=1795000000)
open("arc-forged.eml", "wb").write(b"".join(forged) + listed)
