-- SPDX-License-Identifier: BSD-2-Clause
-- mailfrom.lua - SPFRejectAtMailFrom: an SPF fail is refused at MAIL FROM with a
-- reply code (never swallowed by a "no reply" negotiation); the session goes on
dofile(mtdir .. "/common.lua")

local conn = open_session()
mt.macro(conn, SMFIC_MAIL, "{mail_addr}", "alice@reject.example")
must(mt.mailfrom(conn, "<alice@reject.example>"), "mt.mailfrom")
check(mt.getreply(conn) == SMFIR_REPLYCODE, "SPF fail at MAIL FROM: refused with a reply code")
send_message(conn, "unsigned.eml", "bounce@example.com", "MAILFROM2")
check(accepted(conn), "the next message on the same connection is accepted")
check(contains(mt.getheader(conn, "Authentication-Results", 0), "spf=pass"),
    "and checked on its own (spf=pass)")
mt.disconnect(conn)
