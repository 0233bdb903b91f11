-- SPDX-License-Identifier: BSD-2-Clause
-- faults.lua - a problem met in a step the MTA does not wait for (SMFIP_NR_*)
-- is not swallowed: it is answered by the next step that replies with the
-- configured InternalErrorAction. Runs against a daemon started with
-- MAILAUTH_TEST_FAULTS (see milter/callbacks.c); -D plain=1 offers no
-- SMFIP_NR_*; -D accept=1: the daemon has InternalErrorAction accept (else the
-- default, tempfail: 451 4.3.0).
dofile(mtdir .. "/common.lua")

local opt = {}
local tag = "NR"
if plain ~= nil then
	opt.steps = STEPS_WITHOUT_NR
	tag = "plain"
end
local TEXT = "Temporary failure in message authentication, try again later"
local want = accept ~= nil and "accept (InternalErrorAction accept)" or
    "451 4.3.0 " .. TEXT

-- answered - the reply is the configured InternalErrorAction
local function answered(conn)
	if accept ~= nil then
		return mt.getreply(conn) == SMFIR_ACCEPT
	end
	return mt.getreply(conn) == SMFIR_REPLYCODE
end

-- a fault while a header field is handled, then one at end of headers: each
-- ends at end of message; the next message on the connection is not affected
local conn = open_session(nil, opt)
check(mt.test_option(conn, SMFIP_NR_HDR) == (plain == nil),
    tag .. ": SMFIP_NR_HDR " .. (plain == nil and "negotiated" or "not offered"))
for _, where in ipairs({ "header", "eoh" }) do
	send_message(conn, "pass.eml", "bounce@example.com", "FAULT" .. where,
	    { { "X-Mailauth-Test-Fault", where } })
	check(answered(conn), tag .. ": fault at " .. where ..
	    ": end of message answers " .. want)
	if accept == nil then
		check(mt.eom_check(conn, MT_SMTPREPLY, "451", "4.3.0", TEXT),
		    tag .. ": fault at " .. where .. ": the reply is 451 4.3.0 " .. TEXT)
	end
	check(not mt.eom_check(conn, MT_HDRINSERT),
	    tag .. ": fault at " .. where .. ": no header inserted")
	send_message(conn, "pass.eml", "bounce@example.com", "AFTER" .. where)
	check(accepted(conn) and contains(mt.getheader(conn, "Authentication-Results", 0),
	    "dkim=pass"), tag .. ": the next message after the " .. where ..
	    " fault is checked and accepted")
end
mt.disconnect(conn)

-- a fault at connect or HELO: every MAIL FROM of that connection is answered
for _, where in ipairs({ "connect", "helo" }) do
	local o = { steps = opt.steps }
	if where == "connect" then
		o.name = "fault-connect.invalid"
	else
		o.helo = "fault-helo.invalid"
	end
	conn = open_session(nil, o)
	for n = 1, 2 do
		mt.macro(conn, SMFIC_MAIL, "i", "F" .. where .. n,
		    "{mail_addr}", "bounce@example.com")
		must(mt.mailfrom(conn, "<bounce@example.com>"), "mt.mailfrom")
		check(answered(conn), tag .. ": fault at " .. where ..
		    ": MAIL FROM #" .. n .. " answered " .. want)
	end
	mt.disconnect(conn)
end
