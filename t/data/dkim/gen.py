#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""gen.py - (re)create the DKIM test fixtures of t/dkim_test.c

Usage: /usr/bin/python3 t/data/dkim/gen.py [--warmup]

Run from anywhere; writes next to this script:
  keys/*.pem, keys/*.ed25519   test-only private keys (created once, then reused)
  keys.zone                    the public keys as lib/dns zone lines
  *.eml                        signed messages (CRLF line ends)
With --warmup it prints the C strings for the self-test message of lib/dkim_key.c;
with --hugee it writes only hugee.eml (an RSA key with a 2047-bit public
exponent) and prints its keys.zone line.
Needs Debian's python3-dkim and python3-nacl (the shell's python3 may be a shim
without them: use /usr/bin/python3). The outputs are committed, so the tests
never need python.
"""
import base64
import math
import os
import subprocess
import sys
import time

import dkim
import nacl.encoding
import nacl.signing

HERE = os.path.dirname(os.path.abspath(__file__))
KEYS = os.path.join(HERE, "keys")

BODY = (b"Hello Bob,\r\n"
        b"\r\n"
        b"this message is a DKIM test fixture.\r\n"
        b"  It has   some   blanks,\ttabs and trailing blanks   \r\n"
        b"\r\n"
        b"-- \r\n"
        b"Alice\r\n")


def headers(from_domain="example.com", subject="DKIM test"):
    return (b"From: Alice <alice@" + from_domain.encode() + b">\r\n"
            b"To: Bob <bob@example.net>\r\n"
            b"Subject: " + subject.encode() + b"\r\n"
            b"Date: Mon, 02 Nov 2026 10:00:00 +0000\r\n"
            b"Message-ID: <fixture.1@example.com>\r\n")


def rsa_key(name, bits):
    path = os.path.join(KEYS, name + ".pem")
    if not os.path.exists(path):
        subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                        "rsa_keygen_bits:%d" % bits, "-out", path], check=True,
                       stderr=subprocess.DEVNULL)
    with open(path, "rb") as f:
        priv = f.read()
    der = subprocess.run(["openssl", "pkey", "-in", path, "-pubout", "-outform", "DER"],
                         check=True, capture_output=True).stdout
    return priv, base64.b64encode(der).decode()


def ed_key(name):
    path = os.path.join(KEYS, name + ".ed25519")
    if not os.path.exists(path):
        sk = nacl.signing.SigningKey.generate()
        with open(path, "wb") as f:
            f.write(sk.encode(encoder=nacl.encoding.Base64Encoder) + b"\n")
    with open(path, "rb") as f:
        priv = f.read().strip()
    sk = nacl.signing.SigningKey(priv, encoder=nacl.encoding.Base64Encoder)
    pub = sk.verify_key.encode(encoder=nacl.encoding.Base64Encoder).decode()
    return priv, pub


SIGNED = [b"from", b"to", b"subject", b"date", b"message-id"]

# extra tags injected into the next signature (x=), and a fixed t=
_extra = {}
_orig_gen_header = dkim.DKIM.gen_header


def _gen_header(self, fields, *args, **kw):
    fields = list(fields)
    if "t" in _extra:
        fields = [(k, _extra["t"]) if k == b"t" else (k, v) for k, v in fields]
    if "x" in _extra:
        at = [k for k, v in fields].index(b"h")
        fields.insert(at, (b"x", _extra["x"]))
    return _orig_gen_header(self, fields, *args, **kw)


dkim.DKIM.gen_header = _gen_header


def sign(msg, sel, dom, key, alg=b"rsa-sha256", length=False, x=None, t=None,
         canon=(b"relaxed", b"relaxed")):
    _extra.clear()
    if x is not None:
        _extra["x"] = str(x).encode()
    if t is not None:
        _extra["t"] = str(t).encode()
    sig = dkim.sign(msg, sel.encode(), dom.encode(), key, canonicalize=canon,
                    signature_algorithm=alg, include_headers=SIGNED, length=length)
    _extra.clear()
    return sig


def txt_line(name, record):
    """a zone line; TXT character-strings of at most 255 bytes"""
    parts = [record[i:i + 255] for i in range(0, len(record), 255)] or [""]
    return "%s TXT %s" % (name, " ".join('"%s"' % p for p in parts))


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def der_int(v):
    b = v.to_bytes(v.bit_length() // 8 + 1, "big")
    return der(0x02, b)


def der(tag, body):
    n = len(body)
    ln = bytes([n]) if n < 128 else bytes([0x80 | ((n.bit_length() + 7) // 8)]) + \
        n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag]) + ln + body


def hugee_key():
    """rsa2048.pem's primes with a 2047-bit public exponent: PEM, SPKI base64"""
    with open(os.path.join(KEYS, "rsa2048.pem"), "rb") as f:
        pk = dkim.crypto.parse_pem_private_key(f.read())
    p, q = pk["prime1"], pk["prime2"]
    n, phi = p * q, (p - 1) * (q - 1)
    e = (1 << 2046) + 1
    while math.gcd(e, phi) != 1:
        e += 2
    d = pow(e, -1, phi)
    priv = der(0x30, b"".join(der_int(v) for v in
                              (0, n, e, d, p, q, d % (p - 1), d % (q - 1), pow(q, -1, p))))
    pem = (b"-----BEGIN RSA PRIVATE KEY-----\n" + base64.encodebytes(priv) +
           b"-----END RSA PRIVATE KEY-----\n")
    algid = bytes.fromhex("300d06092a864886f70d0101010500")
    spki = der(0x30, algid + der(0x03, b"\0" + der(0x30, der_int(n) + der_int(e))))
    return pem, base64.b64encode(spki).decode()


def hugee(zone, base):
    """a good signature by a key whose public exponent has 2047 bits"""
    pem, pub = hugee_key()
    zone.append(txt_line("hugee._domainkey.example.com", "v=DKIM1; k=rsa; p=" + pub))
    write("hugee.eml", sign(base, "hugee", "example.com", pem) + base)


def warmup():
    priv, pub = rsa_key("warmup-rsa2048", 2048)
    epriv, epub = ed_key("warmup-ed25519")
    msg = (b"From: <self-test@warmup.invalid>\r\nSubject: self-test\r\n"
           b"Date: Mon, 02 Nov 2026 10:00:00 +0000\r\n\r\nself-test\r\n")
    global SIGNED
    saved, SIGNED = SIGNED, [b"from", b"subject", b"date"]
    s1 = sign(msg, "r", "warmup.invalid", priv)
    s2 = sign(msg, "e", "warmup.invalid", epriv, alg=b"ed25519-sha256")
    SIGNED = saved
    full = s1 + s2 + msg
    print("static const char warm_rsa_key[] =\n\t\"v=DKIM1; k=rsa; p=%s\";" % pub)
    print("static const char warm_ed_key[] =\n\t\"v=DKIM1; k=ed25519; p=%s\";" % epub)
    print("const char dkk_warm_msg[] =")
    for line in full.split(b"\r\n"):
        print('\t"%s\\r\\n"' % line.decode().replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t"))
    print("\t;")


def main():
    os.makedirs(KEYS, exist_ok=True)
    if "--warmup" in sys.argv:
        warmup()
        return
    if "--hugee" in sys.argv:
        zone = []
        hugee(zone, headers() + b"\r\n" + BODY)
        print(zone[0])
        return
    r2048, p2048 = rsa_key("rsa2048", 2048)
    r1024, p1024 = rsa_key("rsa1024", 1024)
    r512, p512 = rsa_key("rsa512", 512)
    edp, edpub = ed_key("ed25519")
    now = int(time.time())

    zone = ["# generated by gen.py: public keys for t/dkim_test.c fixtures"]
    rsa = "v=DKIM1; k=rsa; p=" + p2048

    def key(sel, dom, rec):
        zone.append(txt_line("%s._domainkey.%s" % (sel, dom), rec))

    key("rsa2048", "example.com", rsa)
    key("rsa1024", "example.com", "v=DKIM1; k=rsa; p=" + p1024)
    key("rsa512", "example.com", "v=DKIM1; k=rsa; p=" + p512)
    key("ed25519", "example.com", "v=DKIM1; k=ed25519; p=" + edpub)
    key("testing", "example.com", "v=DKIM1; k=rsa; t=y; p=" + p2048)
    key("revoked", "example.com", "v=DKIM1; k=rsa; p=")
    key("empty", "example.com", "")
    key("notdkim", "example.com", "v=spf1 -all")
    key("hsha1", "example.com", "v=DKIM1; k=rsa; h=sha1; p=" + p2048)
    key("twotxt", "example.com", rsa)
    key("twotxt", "example.com", rsa)
    # p= as a bare PKCS#1 RSAPublicKey (RFC 6376 3.6.1 wording) instead of SPKI
    pkcs1 = subprocess.run(["openssl", "rsa", "-in", os.path.join(KEYS, "rsa2048.pem"),
                            "-RSAPublicKey_out", "-outform", "DER"], check=True,
                           capture_output=True).stdout
    key("pkcs1", "example.com", "v=DKIM1; k=rsa; p=" + base64.b64encode(pkcs1).decode())
    zone.append("broken._domainkey.example.net SERVFAIL")
    key("rsa2048", "example.net", rsa)
    # "missing._domainkey.example.com" is absent: NXDOMAIN

    base = headers() + b"\r\n" + BODY

    def one(name, sel, dom="example.com", k=r2048, **kw):
        write(name, sign(base, sel, dom, k, **kw) + base)

    one("good-rsa2048.eml", "rsa2048")
    one("good-rsa1024.eml", "rsa1024", k=r1024)
    one("good-ed25519.eml", "ed25519", k=edp, alg=b"ed25519-sha256")
    one("rsa-sha1.eml", "rsa2048", alg=b"rsa-sha1")
    one("rsa512.eml", "rsa512", k=r512)
    one("nokey.eml", "missing")
    one("revoked.eml", "revoked")
    one("emptykey.eml", "empty")
    one("notdkim.eml", "notdkim")
    one("hsha1.eml", "hsha1")
    one("twotxt.eml", "twotxt")
    one("pkcs1.eml", "pkcs1")
    one("testkey.eml", "testing")
    one("expired.eml", "rsa2048", t=now - 864000, x=now - 432000)
    one("future.eml", "rsa2048", t=4102444800)
    one("simple.eml", "rsa2048", canon=(b"simple", b"simple"))

    s1 = sign(base, "rsa2048", "example.com", r2048)
    s2 = sign(base, "ed25519", "example.com", edp, alg=b"ed25519-sha256")
    write("dual.eml", s1 + s2 + base)

    write("body-altered.eml", s1 + base.replace(b"test fixture", b"test fixturE"))
    write("header-altered.eml", s1 + base.replace(b"Subject: DKIM test", b"Subject: DKIM tesT"))

    s3 = sign(base, "broken", "example.net", r2048)
    write("servfail2.eml", s3 + s1 + base)

    sl = sign(base, "rsa2048", "example.com", r2048, length=True)
    write("lbody.eml", sl + base + b"appended by someone else\r\n")
    write("lbody-exact.eml", sl + base)

    # 12 signatures; From example.com; aligned at 8 (exact), 10 (child), 12 (exact)
    doms = {8: ("s8", "example.com"), 10: ("rsa2048", "mail.example.com"),
            12: ("s12", "example.com")}
    sigs = b""
    for i in range(1, 13):
        sel, dom = doms.get(i, ("rsa2048", "other%d.example" % i))
        if i not in doms or sel != "rsa2048" or dom != "example.com":
            zone.append(txt_line("%s._domainkey.%s" % (sel, dom), rsa))
        sigs += sign(base, sel, dom, r2048)
    write("many12.eml", sigs + base)

    hugee(zone, base)

    with open(os.path.join(HERE, "keys.zone"), "w") as f:
        f.write("\n".join(zone) + "\n")


if __name__ == "__main__":
    main()
