#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# mkdata.py - test-time data of t/postfix_e2e.sh: a fresh DKIM key, the signed messages
# and the unbound local-data line publishing the key; a fresh ARC sealer key of the
# test's mailing list (list.example, selector arc1) and its local-data line.
# Usage: /usr/bin/python3 mkdata.py SRCDIR OUTDIR   (needs python3-dkim and openssl)
# Reads the message templates SRCDIR/*.eml (LF line ends), writes OUTDIR/*.eml with
# CRLF line ends (those in SIGN signed with d=DOMAIN s=s1), OUTDIR/key.pem,
# OUTDIR/sealer.pem (t/e2e/arclist.py's key) and OUTDIR/dkim.conf (included by
# unbound.conf).
import base64
import glob
import os
import subprocess
import sys

import dkim

SELECTOR = b"s1"
SIGN = {"pass.eml": b"example.com", "forged.eml": b"example.com",
        "arclist.eml": b"example.com"}
SEALER = ("arc1", "list.example")
SIGNED_FIELDS = [b"from", b"to", b"subject", b"date", b"message-id"]


def run(*argv):
    return subprocess.run(argv, check=True, capture_output=True).stdout


def keypair(openssl, keyfile):
    """A fresh rsa-2048 key in keyfile: (PEM, key record as TXT strings)."""
    run(openssl, "genrsa", "-out", keyfile, "2048")
    der = run(openssl, "rsa", "-in", keyfile, "-pubout", "-outform", "DER")
    with open(keyfile, "rb") as f:
        key = f.read()
    # a TXT string holds at most 255 bytes: split the record into several strings
    rec = "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode()
    return key, " ".join('"%s"' % rec[i:i + 200] for i in range(0, len(rec), 200))


def main():
    src, out = sys.argv[1], sys.argv[2]
    openssl = os.environ.get("OPENSSL") or "openssl"
    key, strings = keypair(openssl, os.path.join(out, "key.pem"))
    _, sealer = keypair(openssl, os.path.join(out, "sealer.pem"))
    domains = sorted(set(SIGN.values()))
    with open(os.path.join(out, "dkim.conf"), "w") as f:
        f.write("# written by mkdata.py: the DKIM keys of the signed test messages\n")
        for d in domains:
            f.write("\tlocal-data: '%s._domainkey.%s. TXT %s'\n"
                    % (SELECTOR.decode(), d.decode(), strings))
        f.write("\tlocal-data: '%s._domainkey.%s. TXT %s'\n" % (SEALER + (sealer,)))

    for path in sorted(glob.glob(os.path.join(src, "*.eml"))):
        name = os.path.basename(path)
        with open(path, "rb") as f:
            msg = f.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        if name in SIGN:
            msg = dkim.sign(msg, SELECTOR, SIGN[name], key,
                            include_headers=SIGNED_FIELDS) + msg
        with open(os.path.join(out, name), "wb") as f:
            f.write(msg)


if __name__ == "__main__":
    main()
