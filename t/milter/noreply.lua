-- SPDX-License-Identifier: BSD-2-Clause
-- noreply.lua - "no reply" negotiation: with every step offered (as Postfix does)
-- mailauth asks SMFIP_NR_* for connect, HELO, header fields and end of headers
-- only; a session offering no SMFIP_NR_* at all (libmilter then answers those
-- steps itself) gets, message by message, the same replies and the same
-- Authentication-Results and Received-SPF as a session with them
dofile(mtdir .. "/common.lua")

local cases = {
	{ "pass.eml", "bounce@example.com" },
	{ "unsigned.eml", "bounce@example.com" },
	{ "forged.eml", "bounce@example.com" },
	{ "reject.eml", "alice@reject.example" },
	{ "quarantine.eml", "alice@quarantine.example" },
	{ "tempfail.eml", "bounce@example.com" },
}

-- run - every case on one connection; what the milter answered to each
local function run(conn, tag)
	local out = {}
	for i, c in ipairs(cases) do
		local body = send_message(conn, c[1], c[2], tag .. i)
		out[i] = {
			body = body,
			reply = mt.getreply(conn),
			ar = mt.getheader(conn, "Authentication-Results", 0),
			spf = mt.getheader(conn, "Received-SPF", 0),
			deleted = mt.eom_check(conn, MT_HDRDELETE),
			held = mt.eom_check(conn, MT_QUARANTINE),
		}
	end
	return out
end

local conn = open_session()
check(mt.getreply(conn) == SMFIR_CONTINUE, "NR session: HELO goes on")
check(mt.test_option(conn, SMFIP_NR_HDR) and mt.test_option(conn, SMFIP_NR_EOH) and
    mt.test_option(conn, SMFIP_NR_CONN) and mt.test_option(conn, SMFIP_NR_HELO),
    "NR session: no reply asked for connect, HELO, headers, end of headers")
local nr = run(conn, "NR")
mt.disconnect(conn)

conn = open_session(nil, { steps = STEPS_WITHOUT_NR })
check(mt.getreply(conn) == SMFIR_CONTINUE, "plain session: HELO answered (continue)")
check(not mt.test_option(conn, SMFIP_NR_HDR) and not mt.test_option(conn, SMFIP_NR_EOH)
    and not mt.test_option(conn, SMFIP_NR_CONN) and not mt.test_option(conn, SMFIP_NR_HELO),
    "plain session: the MTA offered no SMFIP_NR_*, none is asked of it")
-- every header field is answered here (miltertest waits for each reply)
local plain = run(conn, "PLAIN")
mt.disconnect(conn)

for i, c in ipairs(cases) do
	local a, b = nr[i], plain[i]
	check(a.reply == b.reply and a.body == b.body and a.deleted == b.deleted and
	    a.held == b.held, c[1] .. ": same replies with and without NR (" ..
	    tostring(a.reply) .. ")")
	check(a.ar == b.ar, c[1] .. ": same Authentication-Results: " .. tostring(a.ar))
	check(a.spf == b.spf, c[1] .. ": same Received-SPF")
end
check(nr[1].reply == SMFIR_CONTINUE or nr[1].reply == SMFIR_ACCEPT,
    "pass.eml accepted with NR")
check(nr[4].reply == SMFIR_REPLYCODE and nr[6].reply == SMFIR_REPLYCODE,
    "reject.eml and tempfail.eml still refused with NR (nothing swallowed)")
check(nr[5].held, "quarantine.eml still held with NR")
if expected_authres_pass ~= nil then
	check(nr[1].ar == " " .. expected_authres_pass,
	    "pass.eml with NR: A-R equals mailauth-verify's on the same message")
end
