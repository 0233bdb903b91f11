-- SPDX-License-Identifier: BSD-2-Clause
-- clients.lua - the client address reaches the engine as an IP literal: IPv6,
-- IPv4-mapped IPv6 (must become the IPv4 literal for SPF), and an unknown family
dofile(mtdir .. "/common.lua")

-- example.com publishes "v=spf1 ip4:192.0.2.0/24 -all"
local conn = open_session("::ffff:192.0.2.10")
send_message(conn, "pass.eml", "bounce@example.com", "MAPPED1")
check(accepted(conn), "IPv4-mapped client: accepted")
local ar = mt.getheader(conn, "Authentication-Results", 0)
check(contains(ar, "spf=pass"),
    "IPv4-mapped client ::ffff:192.0.2.10 is checked as 192.0.2.10 (spf=pass): " ..
    tostring(ar))
mt.disconnect(conn)

conn = open_session("2001:db8::25")
send_message(conn, "pass.eml", "bounce@example.com", "V6CLIENT1")
check(accepted(conn), "IPv6 client: accepted (DKIM aligns)")
ar = mt.getheader(conn, "Authentication-Results", 0)
check(contains(ar, "spf=fail") and contains(ar, "dkim=pass"),
    "IPv6 client 2001:db8::25 is outside ip4:192.0.2.0/24 (spf=fail): " .. tostring(ar))
mt.disconnect(conn)

conn = open_session("unspec")
send_message(conn, "pass.eml", "bounce@example.com", "UNSPEC1")
check(accepted(conn), "client of unknown address family: accepted")
check(mt.eom_check(conn, MT_HDRINSERT, "Authentication-Results"),
    "client of unknown address family: A-R inserted")
mt.disconnect(conn)
