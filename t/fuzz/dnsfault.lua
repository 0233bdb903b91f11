-- SPDX-License-Identifier: BSD-2-Clause
-- dnsfault.lua - messages through a daemon whose DNS fails (t/dnsfault_test.sh)
-- Globals from miltertest -D: sock, mtdir (t/milter, for common.lua), tdata
-- (t/data/milter), tag (names the case), expect ("tempfail", "reject" or "accept"),
-- n (messages; two per connection), file (message), from (MAIL FROM).
-- Every message must get its answer: a reply code at end of message, or accept;
-- the shell checks the verdict in the daemon's log (one line per queue id).
dofile(mtdir .. "/common.lua")

-- a reply waited for longer than ten times EvaluationTimeout counts as a hang
mt.set_timeout(20)
local count = tonumber(n) or 3
local conn = nil
for i = 1, count do
	if conn == nil then
		conn = open_session()
	end
	local qid = string.format("%s%d", string.upper(tag):gsub("[^A-Z0-9]", ""), i)
	local name = tag .. " #" .. i
	if send_message(conn, file, from, qid) == nil then
		check(false, name .. ": refused at MAIL FROM")
	else
		local r = mt.getreply(conn)
		if expect == "tempfail" or expect == "reject" then
			-- the 451 code itself: milter_smoke.sh compares the whole reply
			check(r == SMFIR_REPLYCODE, name .. ": answered with an SMTP reply code")
			check(not mt.eom_check(conn, MT_HDRINSERT), name .. ": no header inserted")
		else
			check(r == SMFIR_CONTINUE or r == SMFIR_ACCEPT, name .. ": accepted")
			check(mt.eom_check(conn, MT_HDRINSERT, "Authentication-Results"),
			    name .. ": Authentication-Results inserted")
		end
	end
	if i % 2 == 0 then
		mt.disconnect(conn)
		conn = nil
	end
end
if conn ~= nil then
	mt.disconnect(conn)
end
