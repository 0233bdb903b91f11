-- SPDX-License-Identifier: BSD-2-Clause
-- authserv.lua - the daemon answers and stamps the authserv-id want_id
-- (t/daemon_test.sh: which configuration is in force after a reload)
dofile(mtdir .. "/common.lua")

local conn = open_session()
send_message(conn, "unsigned.eml", "bounce@example.com", "AUTHSERV1")
check(accepted(conn), "message accepted")
local ar = mt.getheader(conn, "Authentication-Results", 0)
check(starts_with(ar, " " .. want_id .. ";"),
    "A-R carries the authserv-id " .. want_id .. ": " .. tostring(ar))
mt.disconnect(conn)
