-- SPDX-License-Identifier: BSD-2-Clause
-- tempfail.lua - SERVFAIL on _dmarc: 451 4.4.3 (directory server failure) at end
-- of message
dofile(mtdir .. "/common.lua")

local conn = open_session()
send_message(conn, "tempfail.eml", "bounce@example.com", "TEMP1")
check(mt.getreply(conn) == SMFIR_REPLYCODE, "tempfail.eml: answered with an SMTP reply code")
if expected_tempfail_text ~= nil then
	check(expected_tempfail_xcode == "4.4.3",
	    "tempfail.eml: mailauth-verify answers 4.4.3, not " .. tostring(expected_tempfail_xcode))
	check(mt.eom_check(conn, MT_SMTPREPLY, "451", expected_tempfail_xcode,
	    expected_tempfail_text),
	    "tempfail.eml: reply is 451 " .. expected_tempfail_xcode .. " " ..
	    expected_tempfail_text)
else
	check(false, "tempfail.eml: mailauth-verify gave no reply text to compare")
end
check(not mt.eom_check(conn, MT_HDRINSERT), "tempfail.eml: no header inserted")
mt.disconnect(conn)
