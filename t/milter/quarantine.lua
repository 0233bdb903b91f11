-- SPDX-License-Identifier: BSD-2-Clause
-- quarantine.lua - DMARC p=quarantine: hold, with our A-R inserted
dofile(mtdir .. "/common.lua")

local conn = open_session()
send_message(conn, "quarantine.eml", "alice@quarantine.example", "QUAR1")
check(accepted(conn), "quarantine.eml: not rejected")
check(mt.eom_check(conn, MT_QUARANTINE), "quarantine.eml: quarantine requested")
local ar = mt.getheader(conn, "Authentication-Results", 0)
check(starts_with(ar, " " .. AUTHSERV_ID .. ";") and contains(ar, "dmarc=fail"),
    "quarantine.eml: A-R says dmarc=fail: " .. tostring(ar))
mt.disconnect(conn)
