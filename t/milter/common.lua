-- SPDX-License-Identifier: BSD-2-Clause
-- common.lua - helpers shared by the miltertest scripts of t/milter_smoke.sh
-- Globals set by the shell with miltertest -D: sock (libmilter socket spec of the
-- running daemon), tdata (t/data/milter), and per script the expected reply texts.
-- Every check prints one "ok - ..." or "not ok - ..." line; the shell numbers them.

CLIENT_IP = "192.0.2.10"
CLIENT_HELO = "mx.example.com"
AUTHSERV_ID = "mx.test.example"
MACRO_EOH = string.byte("N")		-- SMFIC_EOH: miltertest exports no constant
MACRO_EOM = string.byte("E")		-- SMFIC_BODYEOB

-- check - one TAP line
function check(cond, desc)
	-- one TAP line: folded values are shown with their line breaks escaped
	desc = desc:gsub("\r", "\\r"):gsub("\n", "\\n"):gsub("\t", "\\t")
	if cond then
		mt.echo("ok - " .. desc)
	else
		mt.echo("not ok - " .. desc)
	end
	return cond
end

-- must - stop the script when a protocol step fails (the shell reports it)
function must(err, what)
	if err ~= nil then
		error(what .. ": " .. tostring(err))
	end
end

-- read_message - a saved message as a list of {name, value} and a CRLF body;
-- values keep their folding as LF + blank (what Postfix hands a milter)
function read_message(file)
	local f = assert(io.open(tdata .. "/" .. file, "rb"))
	local data = f:read("a")
	f:close()
	data = data:gsub("\r\n", "\n")
	local sep = assert(data:find("\n\n", 1, true), file .. ": no header/body separator")
	local head, body = data:sub(1, sep), data:sub(sep + 2)
	local fields = {}
	for line in head:gmatch("([^\n]*)\n") do
		if line:match("^[ \t]") and #fields > 0 then
			fields[#fields].value = fields[#fields].value .. "\n" .. line
		else
			local name, value = line:match("^([^:]+):(.*)$")
			assert(name, file .. ": bad header line " .. line)
			table.insert(fields, { name = name, value = value })
		end
	end
	return fields, (body:gsub("\n", "\r\n"))
end

-- every SMFIP_NR_* bit ("no reply" for a step), and every step without them
NR_ALL = SMFIP_NR_CONN + SMFIP_NR_HELO + SMFIP_NR_MAIL + SMFIP_NR_RCPT +
    SMFIP_NR_DATA + SMFIP_NR_UNKN + SMFIP_NR_HDR + SMFIP_NR_EOH + SMFIP_NR_BODY
STEPS_WITHOUT_NR = 0x1FFFFF - NR_ALL

-- open_session - connect, negotiate, CONNECT and HELO from the test client
-- (ip: the client address, CLIENT_IP by default; "unspec" for an unknown family;
-- opt.name, opt.helo: client name and HELO, CLIENT_HELO by default; opt.steps:
-- negotiate offering only these protocol steps, else miltertest offers all)
function open_session(ip, opt)
	ip = ip or CLIENT_IP
	opt = opt or {}
	local name = opt.name or CLIENT_HELO
	local conn = mt.connect(sock, 40, 0.25)
	if conn == nil then
		error("cannot connect to the milter at " .. sock)
	end
	if opt.steps ~= nil then
		-- miltertest's manual and its code disagree on which of arguments 3 and
		-- 4 are the actions and which the steps: give both the same mask (it
		-- holds every action mailauth needs, 0x17f)
		must(mt.negotiate(conn, 6, opt.steps, opt.steps), "mt.negotiate")
	end
	mt.macro(conn, SMFIC_CONNECT, "j", AUTHSERV_ID, "{client_addr}", ip,
	    "{client_name}", name, "_", name .. " [" .. ip .. "]")
	must(mt.conninfo(conn, name, ip), "mt.conninfo")
	check(mt.getreply(conn) == SMFIR_CONTINUE, "connect from " .. ip .. ": continue")
	must(mt.helo(conn, opt.helo or CLIENT_HELO), "mt.helo")
	return conn
end

-- send_message - MAIL FROM, the header fields, EOH, the body and EOM; returns the
-- reply to the first body chunk (SMFIR_SKIP when the milter needs no body); extra:
-- {name, value} fields sent before the message's own
function send_message(conn, file, mailfrom, qid, extra)
	local fields, body = read_message(file)
	for i, h in ipairs(extra or {}) do
		table.insert(fields, i, { name = h[1], value = " " .. h[2] })
	end
	mt.macro(conn, SMFIC_MAIL, "i", qid, "{mail_addr}", mailfrom)
	must(mt.mailfrom(conn, "<" .. mailfrom .. ">"), "mt.mailfrom")
	if mt.getreply(conn) ~= SMFIR_CONTINUE then
		return nil
	end
	for _, h in ipairs(fields) do
		-- with SMFIP_HDR_LEADSPC miltertest itself puts one blank after the colon
		local v = h.value:gsub("^ ", "", 1)
		must(mt.header(conn, h.name, v), "mt.header " .. h.name)
	end
	mt.macro(conn, MACRO_EOH, "i", qid)
	must(mt.eoh(conn), "mt.eoh")
	must(mt.bodystring(conn, body), "mt.bodystring")
	local body_reply = mt.getreply(conn)
	mt.macro(conn, MACRO_EOM, "i", qid)
	must(mt.eom(conn), "mt.eom")
	return body_reply
end

-- starts_with - s begins with prefix
function starts_with(s, prefix)
	return s ~= nil and s:sub(1, #prefix) == prefix
end

-- contains - plain substring test
function contains(s, needle)
	return s ~= nil and s:find(needle, 1, true) ~= nil
end

-- accepted - the end-of-message reply means "accept"
function accepted(conn)
	local r = mt.getreply(conn)
	return r == SMFIR_CONTINUE or r == SMFIR_ACCEPT
end
