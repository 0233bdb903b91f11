-- SPDX-License-Identifier: BSD-2-Clause
-- reject.lua - DMARC p=reject: 550 5.7.26 (RFC 7372) at end of message, no header edits
dofile(mtdir .. "/common.lua")

local conn = open_session()
send_message(conn, "reject.eml", "alice@reject.example", "REJECT1")
check(mt.getreply(conn) == SMFIR_REPLYCODE, "reject.eml: answered with an SMTP reply code")
if expected_reject_text ~= nil then
	check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.26", expected_reject_text),
	    "reject.eml: reply is 550 5.7.26 " .. expected_reject_text)
else
	check(false, "reject.eml: mailauth-verify gave no reply text to compare")
end
check(not mt.eom_check(conn, MT_HDRINSERT), "reject.eml: no header inserted")
mt.disconnect(conn)
