-- reject.lua: with "Reject yes" and "RejectIssues blame" a blaming reply
-- is refused with 550 5.7.1 and the reason; a merely flagged one is not.
dofile(libdir .. "/lib.lua")

local text = "Reply not sent: reply lacks an acknowledgment of the problem, " ..
  "empathy, a solution and a follow-up invitation; it blames the customer"

T.run("reject: 550 5.7.1 with the reason", function()
  local conn, r = T.one(sock, {file = "hold.eml", qid = "QREJECT"})
  T.expect(r == SMFIR_REPLYCODE, "reply is " .. T.reply_name(r) .. ", not a reply code")
  T.expect(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1", text),
    "reply is not '550 5.7.1 " .. text .. "'")
  T.expect(not mt.eom_check(conn, MT_QUARANTINE), "a rejected reply was also quarantined")
  mt.disconnect(conn)
end)

T.run("reject: flagged reply still accepted with its header", function()
  local conn, r = T.one(sock, {file = "flag.eml", qid = "QREJFLAG"})
  T.expect(r == SMFIR_CONTINUE, "reply is " .. T.reply_name(r))
  T.expect(T.verdict(conn) == "fail; missing=empathy; action=flag",
    "header is " .. tostring(T.verdict(conn)))
  mt.disconnect(conn)
end)
T.finish()
