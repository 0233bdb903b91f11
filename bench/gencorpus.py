#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# gencorpus.py - the benchmark corpus: keys, DNS data, signed messages.
#
# Usage: /usr/bin/python3 gencorpus.py OUTDIR [--big MB] [--arc]
#
# Writes, from one set of records, OUTDIR/bench.zone (mailauth's zone backend) and
# OUTDIR/unbound-local.conf (local-zone/local-data lines for a local unbound), and
# OUTDIR/corpus/*.eml: messages of 2 KB, 64 KB and 1 MB with 0, 1, 2 or 6 DKIM
# signatures (rsa-2048 or ed25519), SPF records reached through includes, DMARC
# p=reject; plus a few that must be rejected or quarantined. Each file starts with
# the X-Bench-* envelope lines of bench/mltload.c, including the expected verdict.
# --big MB also writes OUTDIR/big/big.eml (MB megabytes, one rsa signature) and
# OUTDIR/big/small.eml (2 KB, same signature shape) for the memory-flatness row.
# --arc also writes OUTDIR/arc/SIZE-*.eml (2 KB and 64 KB; bench/arc.sh): one
# mailing-list copy of a sender.example message (Subject tagged, footer added, so
# the author's rsa signature breaks) four ways: arc (sealed by list.example with
# one ARC set, rsa-2048), broken (the same without the set), dkim (the same with
# no signature but one valid rsa-2048 DKIM signature, relaxed/relaxed like an
# ARC-Message-Signature), unsigned (no signature at all). No X-Bench-* lines.
# Keys are made fresh on every run (openssl, python3-nacl); nothing is committed.
import base64, os, subprocess, sys
import dkim, nacl.signing

OUT = sys.argv[1]
BIG = int(sys.argv[sys.argv.index("--big") + 1]) if "--big" in sys.argv else 0
ARC = "--arc" in sys.argv
CLIENT_IP = "192.0.2.25"
HELO = "mx.sender.example"
records = []                     # (name, type, value); TXT value is one string


def rr(name, typ, value):
    records.append((name, typ, value))


def rsa_key():
    pem = subprocess.run(["openssl", "genrsa", "2048"], check=True,
                         capture_output=True).stdout
    der = subprocess.run(["openssl", "rsa", "-pubout", "-outform", "DER"], input=pem,
                         check=True, capture_output=True).stdout
    return pem, "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode()


def ed_key():
    sk = nacl.signing.SigningKey.generate()
    return (base64.b64encode(bytes(sk)),
            "v=DKIM1; k=ed25519; p=" + base64.b64encode(bytes(sk.verify_key)).decode())


# DNS: the sending host, sender domains with SPF via includes, DMARC, keys
rr(HELO, "A", CLIENT_IP)
rr(HELO, "TXT", "v=spf1 a -all")
KEYS = {}                        # (domain, alg) -> (selector, private key)
SIGNERS = ["sender.example", "esp1.example", "esp2.example", "esp3.example",
           "list.example", "relay.example"]
for d in SIGNERS:
    rr(d, "TXT", "v=spf1 include:_spf1.%s include:_spf2.%s -all" % (d, d))
    rr("_spf1." + d, "TXT", "v=spf1 ip4:198.51.100.0/24 ip6:2001:db8::/32 ~all")
    rr("_spf2." + d, "TXT", "v=spf1 include:_spf3.%s a:%s -all" % (d, HELO))
    rr("_spf3." + d, "TXT", "v=spf1 ip4:203.0.113.0/24 -all")
    rr("_dmarc." + d, "TXT", "v=DMARC1; p=reject; adkim=r; aspf=r")
    for alg, make in (("rsa", rsa_key), ("ed", ed_key)):
        priv, txt = make()
        sel = "%s2026" % alg
        rr("%s._domainkey.%s" % (sel, d), "TXT", txt)
        KEYS[(d, alg)] = (sel, priv)
# unaligned senders: SPF fails, no signature from their domain
for d, p in (("strict.example", "reject"), ("hold.example", "quarantine"),
             ("relaxed.example", "none")):
    rr(d, "TXT", "v=spf1 include:_spf1.%s -all" % d)
    rr("_spf1." + d, "TXT", "v=spf1 ip4:198.51.100.0/24 -all")
    rr("_dmarc." + d, "TXT", "v=DMARC1; p=%s" % p)


def body(size):
    line = b"The quick brown fox jumps over the lazy dog 0123456789 abcdefghij.\r\n"
    n = max(1, size // len(line))
    return b"Hello,\r\n\r\n" + line * n + b"-- \r\nbench\r\n"


def message(frm_domain, size, n):
    return (b"From: Bench Sender <news@" + frm_domain.encode() + b">\r\n"
            b"To: rcpt@receiver.example\r\n"
            b"Subject: benchmark message " + str(n).encode() + b"\r\n"
            b"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
            b"Message-ID: <" + str(n).encode() + b"@" + frm_domain.encode() + b">\r\n"
            b"MIME-Version: 1.0\r\n"
            b"Content-Type: text/plain; charset=us-ascii\r\n"
            b"\r\n" + body(size))


def sign(msg, domain, alg):
    sel, priv = KEYS[(domain, alg)]
    sig = dkim.sign(msg, sel.encode(), domain.encode(), priv,
                    include_headers=[b"from", b"to", b"subject", b"date",
                                     b"message-id"],
                    signature_algorithm=b"ed25519-sha256" if alg == "ed"
                    else b"rsa-sha256")
    return sig + msg


def write(path, frm, expect, msg):
    with open(path, "wb") as f:
        f.write(("X-Bench-IP: %s\nX-Bench-Helo: %s\nX-Bench-From: <news@%s>\n"
                 "X-Bench-Rcpt: <rcpt@receiver.example>\nX-Bench-Expect: %s\n"
                 % (CLIENT_IP, HELO, frm, expect)).encode())
        f.write(msg)


os.makedirs(OUT + "/corpus", exist_ok=True)
n = 0
for size, tag in ((2048, "2k"), (65536, "64k"), (1 << 20, "1m")):
    for nsig in (0, 1, 2, 6):
        for alg in (("rsa", "ed") if nsig else ("none",)):
            n += 1
            m = message("sender.example", size, n)
            for i in range(nsig):   # the From domain's signature ends on top
                m = sign(m, SIGNERS[nsig - 1 - i], alg)
            write("%s/corpus/%s-%dsig-%s.eml" % (OUT, tag, nsig, alg),
                  "sender.example", "accept", m)
for d, expect in (("strict.example", "reject"), ("hold.example", "quarantine"),
                  ("relaxed.example", "accept")):
    n += 1
    m = sign(message(d, 2048, n), "esp1.example", "rsa")
    write("%s/corpus/2k-unaligned-%s.eml" % (OUT, expect), d, expect, m)

if BIG:
    os.makedirs(OUT + "/big", exist_ok=True)
    for name, size in (("small", 2048), ("big", BIG << 20)):
        write("%s/big/%s.eml" % (OUT, name), "sender.example", "accept",
              sign(message("sender.example", size, 0), "sender.example", "rsa"))


def listcopy(size):
    """A sender.example message as list.example redistributes it, unsigned."""
    m = message("sender.example", size, 0)
    head, _, text = m.partition(b"\r\n\r\n")
    head = head.replace(b"\r\nSubject: ", b"\r\nSubject: [bench-list] ")
    return (head + b"\r\nList-Id: <bench.list.example>\r\n\r\n" + text +
            b"--\r\nbench list footer\r\n")


if ARC:
    os.makedirs(OUT + "/arc", exist_ok=True)
    sel, priv = KEYS[("list.example", "rsa")]
    for size, tag in ((2048, "2k"), (65536, "64k")):
        # the author's signature, made before the list changed the message
        orig = sign(message("sender.example", size, 0), "sender.example", "rsa")
        sig = orig[:orig.index(b"\r\nFrom: ") + 2]
        lc = listcopy(size)
        broken = sig + lc
        ar = (b"Authentication-Results: list.example; dkim=pass "
              b"header.d=sender.example; dmarc=pass header.from=sender.example\r\n")
        aset = dkim.arc_sign(ar + broken, sel.encode(), b"list.example", priv,
                             b"list.example", include_headers=[
                                 b"from", b"to", b"subject", b"date", b"message-id",
                                 b"list-id"])
        if not aset:
            sys.exit("gencorpus.py: the ARC signer made no set")
        valid = dkim.sign(lc, KEYS[("sender.example", "rsa")][0].encode(),
                          b"sender.example", KEYS[("sender.example", "rsa")][1],
                          canonicalize=(b"relaxed", b"relaxed"),
                          include_headers=[b"from", b"to", b"subject", b"date",
                                           b"message-id"])
        for kind, msg in (("arc", b"".join(aset) + broken), ("broken", broken),
                          ("dkim", valid + lc), ("unsigned", lc)):
            with open("%s/arc/%s-%s.eml" % (OUT, tag, kind), "wb") as f:
                f.write(msg)


def chunks(s):
    return " ".join('"%s"' % s[i:i + 250] for i in range(0, len(s), 250))


with open(OUT + "/bench.zone", "w") as z:
    z.write("# generated by bench/gencorpus.py\n")
    for name, typ, val in records:
        z.write("%s %s %s\n" % (name, typ, chunks(val) if typ == "TXT" else val))
with open(OUT + "/unbound-local.conf", "w") as u:
    u.write("# generated by bench/gencorpus.py (include inside server:)\n")
    u.write('\tlocal-zone: "example." static\n')
    for name, typ, val in records:
        u.write("\tlocal-data: '%s. 300 IN %s %s'\n"
                % (name, typ, chunks(val) if typ == "TXT" else val))
print("corpus: %d messages, %d DNS records" % (n, len(records)))
