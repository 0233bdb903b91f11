#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# isodata.py - test-time data of t/resolver_isolation.sh (needs python3-dkim, whose
# dependency python3-dnspython signs the zones, and openssl).
# Usage: /usr/bin/python3 isodata.py OUTDIR
# Writes into OUTDIR:
#   key.pem                 a fresh 2048-bit DKIM key (selector s1 everywhere)
#   NAME.eml                the test messages (CRLF); inc, secure, bogus are signed
#   local-data.conf         unbound local-data lines (included in server:): the SPF,
#                           DMARC and DKIM records of the unsigned test domains
#   secure.example.zone        a DNSSEC-signed zone (ECDSAP256SHA256, NSEC chain)
#   bogus.example.zone         the same for bogus.example, but the signature over the
#                           DKIM key record is damaged: validation gives BOGUS
#   ta.key                  the DNSKEYs of both zones, a trust anchor file
import base64
import datetime
import os
import subprocess
import sys

import dkim
import dns.dnssec
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.RRSIG
import dns.zone
from cryptography.hazmat.primitives.asymmetric import ec

SELECTOR = b"s1"
SIGNED_FIELDS = [b"from", b"to", b"subject", b"date", b"message-id"]

# messages: name -> (From domain, signing domain or None)
MESSAGES = {
    "inc": ("inc.example", "inc.example"),
    "a": ("a.example", None),
    "mx": ("mx.example", None),
    "ptr": ("ptr.example", None),
    "exists": ("exists.example", None),
    "fail": ("a.example", None),
    "secure": ("secure.example", "secure.example"),
    "bogus": ("bogus.example", "bogus.example"),
}

# the unsigned domains, each exercising one SPF mechanism (clients in run script)
LOCAL_DATA = [
    'inc.example. TXT "v=spf1 include:_spf.inc.example -all"',
    '_spf.inc.example. TXT "v=spf1 ip4:198.18.0.10 -all"',
    '_dmarc.inc.example. TXT "v=DMARC1; p=reject"',
    'a.example. TXT "v=spf1 a:host.a.example -all"',
    'host.a.example. A 198.18.0.20',
    '_dmarc.a.example. TXT "v=DMARC1; p=reject"',
    'mx.example. TXT "v=spf1 mx -all"',
    'mx.example. MX 10 mail.mx.example.',
    'mail.mx.example. A 198.18.0.30',
    '_dmarc.mx.example. TXT "v=DMARC1; p=reject"',
    'ptr.example. TXT "v=spf1 ptr -all"',
    '40.0.18.198.in-addr.arpa. PTR mail.ptr.example.',
    'mail.ptr.example. A 198.18.0.40',
    '_dmarc.ptr.example. TXT "v=DMARC1; p=reject"',
    'exists.example. TXT "v=spf1 exists:%{i}._spf.exists.example -all"',
    '198.18.0.50._spf.exists.example. A 127.0.0.2',
    '_dmarc.exists.example. TXT "v=DMARC1; p=reject"',
]


def run(*argv):
    return subprocess.run(argv, check=True, capture_output=True).stdout


def txt_strings(rec):
    """A long TXT value as quoted character-strings of at most 200 bytes."""
    return " ".join('"%s"' % rec[i:i + 200] for i in range(0, len(rec), 200))


def message(name, from_domain):
    return ("From: Alice <alice@%s>\r\nTo: bob@rcpt.example\r\n"
            "Subject: resolver isolation %s\r\n"
            "Date: Mon, 23 Nov 2026 00:00:00 +0000\r\n"
            "Message-ID: <%s.isolation@%s>\r\n\r\n"
            "Test message %s.\r\n" % (from_domain, name, name, from_domain,
                                      name)).encode()


def signed_zone(origin, keyrec, damage_key_sig):
    """Zone text of origin, signed with a fresh key; and its DNSKEY line."""
    o = dns.name.from_text(origin)
    text = "\n".join([
        "$TTL 300",
        "@ SOA ns.%s. hostmaster.%s. 1 3600 600 86400 300" % (origin, origin),
        "@ NS ns.%s." % origin,
        "ns A 127.0.0.1",
        '@ TXT "v=spf1 ip4:198.18.0.60 ip4:198.18.0.70 -all"',
        '_dmarc TXT "v=DMARC1; p=reject"',
        "s1._domainkey TXT %s" % txt_strings(keyrec),
    ]) + "\n"
    zone = dns.zone.from_text(text, origin=o, relativize=False)
    priv = ec.generate_private_key(ec.SECP256R1())
    dnskey = dns.dnssec.make_dnskey(priv.public_key(), "ECDSAP256SHA256",
                                    flags=257)
    with zone.writer() as w:
        w.add(o, 300, dnskey)
    # NSEC chain in canonical order, so that denials validate too
    names = sorted(zone.nodes.keys())
    with zone.writer() as w:
        for i, n in enumerate(names):
            types = sorted({rds.rdtype for rds in zone.nodes[n].rdatasets} |
                           {dns.rdatatype.NSEC, dns.rdatatype.RRSIG})
            nsec = dns.rdata.from_text(
                dns.rdataclass.IN, dns.rdatatype.NSEC, "%s %s" % (
                    names[(i + 1) % len(names)].to_text(),
                    " ".join(dns.rdatatype.to_text(t) for t in types)))
            w.add(n, 300, nsec)
    now = datetime.datetime.now(datetime.timezone.utc)
    inception = now - datetime.timedelta(days=1)
    expiration = now + datetime.timedelta(days=30)
    keyname = dns.name.from_text("s1._domainkey." + origin)
    sigs = []
    for n, node in zone.nodes.items():
        for rds in node.rdatasets:
            sig = dns.dnssec.sign((n, rds), priv, o, dnskey, inception, expiration)
            if damage_key_sig and n == keyname and rds.rdtype == dns.rdatatype.TXT:
                s = bytearray(sig.signature)
                s[10] ^= 0x55
                sig = sig.replace(signature=bytes(s))
            sigs.append((n, rds.ttl, sig))
    with zone.writer() as w:
        for n, ttl, sig in sigs:
            w.add(n, ttl, sig)
    return zone.to_text(relativize=False), "%s. 300 IN DNSKEY %s" % (origin, dnskey)


def main():
    out = sys.argv[1]
    openssl = os.environ.get("OPENSSL") or "openssl"
    keyfile = os.path.join(out, "key.pem")
    run(openssl, "genrsa", "-out", keyfile, "2048")
    der = run(openssl, "rsa", "-in", keyfile, "-pubout", "-outform", "DER")
    with open(keyfile, "rb") as f:
        key = f.read()
    keyrec = "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode()

    with open(os.path.join(out, "local-data.conf"), "w") as f:
        f.write("# written by isodata.py\n")
        for rr in LOCAL_DATA + ["s1._domainkey.inc.example. TXT " + txt_strings(keyrec)]:
            f.write("\tlocal-data: '%s'\n" % rr)
    anchors = []
    for origin, damage in (("secure.example", False), ("bogus.example", True)):
        text, anchor = signed_zone(origin, keyrec, damage)
        with open(os.path.join(out, origin + ".zone"), "w") as f:
            f.write(text)
        anchors.append(anchor)
    with open(os.path.join(out, "ta.key"), "w") as f:
        f.write("\n".join(anchors) + "\n")

    for name, (from_domain, signer) in MESSAGES.items():
        msg = message(name, from_domain)
        if signer is not None:
            msg = dkim.sign(msg, SELECTOR, signer.encode(), key,
                            include_headers=SIGNED_FIELDS) + msg
        with open(os.path.join(out, name + ".eml"), "wb") as f:
            f.write(msg)


if __name__ == "__main__":
    main()
