-- SPDX-License-Identifier: BSD-2-Clause
-- forged.lua - Authentication-Results fields claiming our authserv-id are deleted,
-- others kept; ours is inserted
dofile(mtdir .. "/common.lua")

local conn = open_session()
send_message(conn, "forged.eml", "bounce@example.com", "FORGED1")
check(accepted(conn), "forged.eml: accepted")
check(mt.eom_check(conn, MT_HDRDELETE, "Authentication-Results", 3),
    "forged.eml: 3rd A-R (folded, upper-case id) deleted")
check(mt.eom_check(conn, MT_HDRDELETE, "Authentication-Results", 1),
    "forged.eml: 1st A-R (our id) deleted")
check(not mt.eom_check(conn, MT_HDRDELETE, "Authentication-Results", 2),
    "forged.eml: 2nd A-R (other.example) kept")
local ar = mt.getheader(conn, "Authentication-Results", 0)
check(starts_with(ar, " " .. AUTHSERV_ID .. ";") and contains(ar, "dkim=pass"),
    "forged.eml: our A-R inserted: " .. tostring(ar))
mt.disconnect(conn)
