-- hold.lua: a reply that blames the customer is held: quarantine with
-- a short reason, and the header says why.
dofile(libdir .. "/lib.lua")

local reason = "care-milter: reply lacks an acknowledgment of the problem, " ..
  "empathy, a solution and a follow-up invitation; it blames the customer"

T.run("hold: held reply is quarantined (MT_QUARANTINE)", function()
  local conn, r = T.one(sock, {file = "hold.eml", qid = "QHOLD"})
  T.expect(r == SMFIR_CONTINUE, "reply is " .. T.reply_name(r) .. ", not continue")
  T.expect(mt.eom_check(conn, MT_QUARANTINE), "no quarantine requested")
  T.expect(mt.eom_check(conn, MT_QUARANTINE, reason),
    "quarantine reason is not '" .. reason .. "'")
  local v = T.verdict(conn)
  T.expect(v ~= nil, "a held reply has no X-Care-Check header")
  T.expect(v:match("^fail;") and v:match("issues=[%w_,]*blame") and
    v:match("; action=hold$"), "header is '" .. v .. "'")
  T.expect(mt.getreply(conn) ~= SMFIR_REPLYCODE, "a held reply got an SMTP reply code")
  mt.disconnect(conn)
end)
T.finish()
