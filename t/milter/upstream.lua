-- SPDX-License-Identifier: BSD-2-Clause
-- upstream.lua - TrustedRelays and TrustedAuthservIDs (daemon with TrustedRelays
-- 192.0.2.25 and TrustedAuthservIDs gw.test.example): the gateway's topmost
-- Authentication-Results counts only from the relay's address; a field claiming
-- our id under the obsolete name "Authentication-Results :" is still deleted
dofile(mtdir .. "/common.lua")

local RELAY = "192.0.2.25"
local GW_AR = "gw.test.example; spf=pass smtp.mailfrom=alice@reject.example"
local GW_RCVD = "from mail.reject.example (mail.reject.example [198.51.100.7])\n\t" ..
    "by gw.test.example (Postfix) with ESMTP id 4AbC"

-- the gateway's field from the gateway: SPF pass for reject.example, DMARC pass
local conn = open_session(RELAY, { helo = "gw.test.example" })
send_message(conn, "reject.eml", "alice@reject.example", "UPSTREAM1",
    { { "Authentication-Results", GW_AR }, { "Received", GW_RCVD } })
check(accepted(conn), "reject.eml via the trusted relay with its A-R: accepted")
local ar = mt.getheader(conn, "Authentication-Results", 0)
check(contains(ar, "spf=pass (from trusted upstream gw.test.example) " ..
    "smtp.mailfrom=alice@reject.example") and contains(ar, "dmarc=pass"),
    "our A-R shows the upstream SPF result and DMARC pass: " .. tostring(ar))
check(mt.getheader(conn, "Received-SPF", 0) == nil,
    "no Received-SPF for the relay's address")
mt.disconnect(conn)

-- the same field from a client outside TrustedRelays: our own SPF fail, rejected
conn = open_session()
send_message(conn, "reject.eml", "alice@reject.example", "UPSTREAM2",
    { { "Authentication-Results", GW_AR }, { "Received", GW_RCVD } })
check(mt.getreply(conn) == SMFIR_REPLYCODE,
    "the same field from a client outside TrustedRelays: rejected")
mt.disconnect(conn)

-- the field below another one: not read, no SPF of the relay: rejected
conn = open_session(RELAY, { helo = "gw.test.example" })
send_message(conn, "reject.eml", "alice@reject.example", "UPSTREAM3",
    { { "Received", GW_RCVD }, { "X-Scanned", "clean" },
      { "Authentication-Results", GW_AR } })
check(mt.getreply(conn) == SMFIR_REPLYCODE,
    "the gateway's field below another field: not read, rejected")
mt.disconnect(conn)

-- our id under the obsolete name with a blank before the colon: deleted
conn = open_session()
send_message(conn, "pass.eml", "bounce@example.com", "UPSTREAM4",
    { { "Authentication-Results ", AUTHSERV_ID .. "; dkim=pass header.d=example.com" } })
check(accepted(conn), "pass.eml with a forged \"Authentication-Results :\": accepted")
check(mt.eom_check(conn, MT_HDRDELETE, "Authentication-Results", 1),
    "the forged field under the obsolete name is deleted")
mt.disconnect(conn)
