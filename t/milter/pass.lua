-- SPDX-License-Identifier: BSD-2-Clause
-- pass.lua - negotiation, a signed message that passes, then an unsigned one on the
-- same connection (body skipped, engine state reset between messages)
dofile(mtdir .. "/common.lua")

local conn = open_session()
check(mt.test_action(conn, SMFIF_ADDHDRS), "negotiate: asks to add headers")
check(mt.test_action(conn, SMFIF_CHGHDRS), "negotiate: asks to change headers")
check(mt.test_action(conn, SMFIF_QUARANTINE), "negotiate: asks to quarantine")
check(mt.test_option(conn, SMFIP_HDR_LEADSPC), "negotiate: SMFIP_HDR_LEADSPC")
check(mt.test_option(conn, SMFIP_SKIP), "negotiate: SMFIP_SKIP")
check(mt.test_option(conn, SMFIP_NR_CONN) and mt.test_option(conn, SMFIP_NR_HELO)
    and mt.test_option(conn, SMFIP_NR_HDR) and mt.test_option(conn, SMFIP_NR_EOH),
    "negotiate: no reply for connect, HELO, header fields, end of headers")
check(not mt.test_option(conn, SMFIP_NR_MAIL) and not mt.test_option(conn, SMFIP_NR_BODY)
    and not mt.test_option(conn, SMFIP_NR_RCPT) and not mt.test_option(conn, SMFIP_NR_DATA)
    and not mt.test_option(conn, SMFIP_NR_UNKN),
    "negotiate: replies for MAIL FROM (it may refuse) and body chunks (SKIP)")

send_message(conn, "pass.eml", "bounce@example.com", "PASS1")
check(accepted(conn), "pass.eml: accepted")
check(mt.eom_check(conn, MT_HDRINSERT, "Authentication-Results"),
    "pass.eml: Authentication-Results inserted")
local ar = mt.getheader(conn, "Authentication-Results", 0)
check(starts_with(ar, " " .. AUTHSERV_ID .. ";"),
    "pass.eml: A-R starts with a blank and the authserv-id: " .. tostring(ar))
check(contains(ar, "dkim=pass"), "pass.eml: A-R has dkim=pass")
check(contains(ar, "spf=pass"), "pass.eml: A-R has spf=pass")
check(contains(ar, "dmarc=pass"), "pass.eml: A-R has dmarc=pass")
check(not contains(ar, "\r"), "pass.eml: A-R has no CR")
if expected_authres_pass ~= nil then
	check(ar == " " .. expected_authres_pass,
	    "pass.eml: A-R equals mailauth-verify's on the same message")
end
check(mt.eom_check(conn, MT_HDRINSERT, "Received-SPF"), "pass.eml: Received-SPF inserted")
check(starts_with(mt.getheader(conn, "Received-SPF", 0), " pass"),
    "pass.eml: Received-SPF says pass")
check(not mt.eom_check(conn, MT_HDRDELETE), "pass.eml: no header deleted")
check(not mt.eom_check(conn, MT_QUARANTINE), "pass.eml: not quarantined")

local body_reply = send_message(conn, "unsigned.eml", "bounce@example.com", "PASS2")
check(body_reply == SMFIR_SKIP, "unsigned.eml: body skipped (no signature)")
check(accepted(conn), "unsigned.eml: accepted")
ar = mt.getheader(conn, "Authentication-Results", 0)
check(starts_with(ar, " " .. AUTHSERV_ID .. ";") and contains(ar, "dkim=none"),
    "unsigned.eml: A-R says dkim=none (nothing left from the first message): " ..
    tostring(ar))
check(contains(ar, "dmarc=pass"), "unsigned.eml: DMARC passes through SPF alignment")
mt.disconnect(conn)
