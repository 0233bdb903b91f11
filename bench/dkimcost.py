#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# dkimcost.py - messages for msgcost --table (make bench-dkim): DKIM CPU worst cases
#
# Usage: /usr/bin/python3 dkimcost.py OUTDIR
#
# Writes OUTDIR/dkimcost.zone and these messages (From alice@sender.example, one
# valid rsa-sha256 signature of sender.example unless said otherwise):
#   normal.eml       2 KB, the reference of every ratio
#   normal-600k.eml  the same with a 600 KB body (size of issue.eml)
#   normal-9m.eml    the same with a 9 MB body (size of long.eml)
#   issue.eml        issue 14's message: 50 DKIM-Signature fields, each h= of 2,000
#                    names (From, then "x"), and 40,000 "X: n" fields (600 KB)
#   caps.eml         the worst within the default limits: 1,000 header fields, of
#                    them 50 DKIM-Signature fields: 49 naming "x" 99 times (and
#                    From), and the valid signature
#   long.eml         long values: 100 Subject fields of 90 KB (9 MB) and 5 extra
#                    signatures each naming From and "subject" 11 times (just
#                    under the 1 MB a signature may select), plus the valid one
#   fields-9m.eml    900,000 short "X: n" fields (9 MB) above the valid signature
# The attacker's signatures are complete (every tag present) so that a verifier sets
# them up; their keys exist (slow work, not DNS errors). Keys are made fresh.
import base64, os, subprocess, sys
import dkim

OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)


def rsa_key():
    pem = subprocess.run(["openssl", "genrsa", "2048"], check=True,
                         capture_output=True).stdout
    der = subprocess.run(["openssl", "rsa", "-pubout", "-outform", "DER"], input=pem,
                         check=True, capture_output=True).stdout
    return pem, "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode()


def txt(name, value):
    chunks = [value[i:i + 250] for i in range(0, len(value), 250)]
    return "%s TXT %s\n" % (name, " ".join('"%s"' % c for c in chunks))


priv, key = rsa_key()
_, evil_key = rsa_key()
with open(os.path.join(OUT, "dkimcost.zone"), "w") as f:
    f.write("sender.example TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n")
    f.write("_dmarc.sender.example TXT \"v=DMARC1; p=reject\"\n")
    f.write(txt("s1._domainkey.sender.example", key))
    f.write(txt("k._domainkey.evil.example", evil_key))

HEAD = (b"From: Alice <alice@sender.example>\r\n"
        b"To: bob@example.net\r\n"
        b"Subject: cost\r\n"
        b"Date: Mon, 30 Nov 2026 10:00:00 +0000\r\n"
        b"Message-ID: <cost.1@sender.example>\r\n")


def body(size):
    line = b"The quick brown fox jumps over the lazy dog, again and again.\r\n"
    return b"Hello Bob,\r\n" + line * max(1, size // len(line))


def signed(extra, size):
    msg = extra + HEAD + b"\r\n" + body(size)
    sig = dkim.sign(msg, b"s1", b"sender.example", priv,
                    include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
    return sig + msg


def evil_sig(i, hlist):
    return (b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=evil.example;"
            b" s=k; t=1795000000;\r\n h=from:" + hlist + b";\r\n"
            b" bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\r\n"
            b" b=" + base64.b64encode(b"%d" % i * 64) + b"\r\n")


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


write("normal.eml", signed(b"", 1500))
write("normal-600k.eml", signed(b"", 600 * 1024))
write("normal-9m.eml", signed(b"", 9 * 1024 * 1024))

x2000 = b":".join([b"x"] * 1999)
hdr = b"".join(evil_sig(i, x2000) for i in range(50))
hdr += b"".join(b"X: %d\r\n" % i for i in range(40000))
write("issue.eml", hdr + HEAD + b"\r\n" + body(1500))

x100 = b":".join([b"x"] * 99)
hdr = b"".join(evil_sig(i, x100) for i in range(49))
hdr += b"".join(b"X: %d\r\n" % i for i in range(1000 - 50 - 5))
write("caps.eml", signed(hdr, 1500))

s11 = b":".join([b"subject"] * 11)
hdr = b"".join(evil_sig(i, s11) for i in range(5))
big = b"Subject: " + b"y" * (90 * 1024) + b"\r\n"
hdr += big * 100
write("long.eml", signed(hdr, 1500))

hdr = b"".join(b"X: %d\r\n" % i for i in range(900000))
write("fields-9m.eml", signed(hdr, 1500))
