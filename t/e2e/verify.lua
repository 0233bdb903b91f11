-- SPDX-License-Identifier: BSD-2-Clause
-- verify.lua - the milter side of t/verify_test.sh: one saved message through the
-- running daemon, as Postfix would send it; writes what the daemon decided so the
-- shell can compare it with mailauth-verify's answer for the same message.
-- Globals from miltertest -D:
--   sock      the daemon's socket (libmilter form, inet:PORT@127.0.0.1)
--   msgfile   the message (LF or CRLF line ends)
--   ip, helo  the client; mailfrom with its angle brackets ("<>": null sender)
--   qid       the queue id macro sent at EOH and EOM
--   code, xcode, text   mailauth-verify's SMTP reply (text with '%' doubled the way
--             libmilter wants it); empty when it gave none
--   out       prefix of the result files: OUT (key=value lines), OUT.ar and OUT.spf
--             (the inserted Authentication-Results / Received-SPF values, raw)

-- write_file - a whole file, exactly the given bytes
local function write_file(path, data)
	local f = assert(io.open(path, "wb"))
	f:write(data)
	f:close()
end

-- read_message - header fields as {name, value} (values keep their leading blanks
-- and folding as LF + blank, as Postfix hands them over) and the body with CRLF
local function read_message(path)
	local f = assert(io.open(path, "rb"))
	local data = f:read("a")
	f:close()
	data = data:gsub("\r\n", "\n")
	local sep = data:find("\n\n", 1, true)
	local head, body
	if sep == nil then
		head, body = data, ""
	else
		head, body = data:sub(1, sep), data:sub(sep + 2)
	end
	local fields = {}
	for line in head:gmatch("([^\n]*)\n") do
		if line:match("^[ \t]") and #fields > 0 then
			fields[#fields].value = fields[#fields].value .. "\n" .. line
		else
			local name, value = line:match("^([^:]+):(.*)$")
			assert(name, path .. ": not a header field: " .. line)
			table.insert(fields, { name = name, value = value })
		end
	end
	return fields, (body:gsub("\n", "\r\n"))
end

local results = {}

-- finish - write the results and end the script
local function finish(action, conn)
	table.insert(results, "action=" .. action)
	local f = assert(io.open(out, "wb"))
	f:write(table.concat(results, "\n") .. "\n")
	f:close()
	if conn ~= nil then
		mt.disconnect(conn)
	end
end

-- early - the action of a reply before end of message, or nil to go on
local function early(r)
	if r == SMFIR_CONTINUE or r == SMFIR_SKIP then
		return nil
	elseif r == SMFIR_ACCEPT then
		return "accept"
	elseif r == SMFIR_REJECT then
		return "reject"
	elseif r == SMFIR_TEMPFAIL then
		return "tempfail"
	elseif r == SMFIR_DISCARD then
		return "discard"
	elseif r == SMFIR_REPLYCODE then
		return "replycode-before-eom"
	end
	return "reply-" .. tostring(r)
end

local conn = mt.connect(sock, 40, 0.25)
if conn == nil then
	error("cannot connect to the milter at " .. sock)
end
local client = "[" .. ip .. "]"
mt.macro(conn, SMFIC_CONNECT, "j", "mx.test.example", "{client_addr}", ip,
    "{client_name}", client, "_", client .. " [" .. ip .. "]")
assert(mt.conninfo(conn, client, ip) == nil, "mt.conninfo")
local a = early(mt.getreply(conn))
if a ~= nil then return finish(a, conn) end
assert(mt.helo(conn, helo) == nil, "mt.helo")
a = early(mt.getreply(conn))
if a ~= nil then return finish(a, conn) end
mt.macro(conn, SMFIC_MAIL, "{mail_addr}", (mailfrom:gsub("^<(.*)>$", "%1")))
assert(mt.mailfrom(conn, mailfrom) == nil, "mt.mailfrom")
a = early(mt.getreply(conn))
if a ~= nil then return finish(a, conn) end
-- (miltertest waits for a reply even when the milter asked for no RCPT step)
if not mt.test_option(conn, SMFIP_NORCPT) then
	assert(mt.rcptto(conn, "<bob@example.net>") == nil, "mt.rcptto")
	a = early(mt.getreply(conn))
	if a ~= nil then return finish(a, conn) end
end

local fields, body = read_message(msgfile)
for _, h in ipairs(fields) do
	-- with SMFIP_HDR_LEADSPC miltertest itself puts one blank after the colon
	assert(mt.header(conn, h.name, (h.value:gsub("^ ", "", 1))) == nil,
	    "mt.header " .. h.name)
	a = early(mt.getreply(conn))
	if a ~= nil then return finish(a, conn) end
end
mt.macro(conn, string.byte("N"), "i", qid)	-- SMFIC_EOH
assert(mt.eoh(conn) == nil, "mt.eoh")
a = early(mt.getreply(conn))
if a ~= nil then return finish(a, conn) end
if #body > 0 then
	assert(mt.bodystring(conn, body) == nil, "mt.bodystring")
	a = early(mt.getreply(conn))
	if a ~= nil then return finish(a, conn) end
end
mt.macro(conn, string.byte("E"), "i", qid)	-- SMFIC_BODYEOB
assert(mt.eom(conn) == nil, "mt.eom")

local r = mt.getreply(conn)
local action
if r == SMFIR_CONTINUE or r == SMFIR_ACCEPT then
	action = mt.eom_check(conn, MT_QUARANTINE) and "quarantine" or "accept"
elseif r == SMFIR_REJECT then
	action = "reject"
elseif r == SMFIR_TEMPFAIL then
	action = "tempfail"
elseif r == SMFIR_DISCARD then
	action = "discard"
elseif r == SMFIR_REPLYCODE then
	-- miltertest cannot hand out the reply, only compare it whole (code, enhanced
	-- code and text): the class of mailauth-verify's code counts when it is equal
	action = "replycode-other-than-verify's"
	if code ~= "" and mt.eom_check(conn, MT_SMTPREPLY, code, xcode, text) then
		action = code:sub(1, 1) == "5" and "reject" or "tempfail"
		table.insert(results, "reply=same")
	end
else
	action = "reply-" .. tostring(r)
end
table.insert(results, "deleted=" ..
    (mt.eom_check(conn, MT_HDRDELETE, "Authentication-Results") and "yes" or "no"))
if mt.eom_check(conn, MT_HDRINSERT, "Authentication-Results") then
	write_file(out .. ".ar", mt.getheader(conn, "Authentication-Results", 0) or "")
end
if mt.eom_check(conn, MT_HDRINSERT, "Received-SPF") then
	write_file(out .. ".spf", mt.getheader(conn, "Received-SPF", 0) or "")
end
finish(action, conn)
