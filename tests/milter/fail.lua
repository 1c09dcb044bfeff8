-- fail.lua: a reply missing one element is flagged: header with the
-- findings, the review copy recipient, no quarantine, no reply code.
-- Expects a filter with "ReviewCopyTo qa@acme.example".
dofile(libdir .. "/lib.lua")

T.run("fail: flagged reply gets the fail header", function()
  local conn, r = T.one(sock, {file = "flag.eml", qid = "QFLAG"})
  T.expect(r == SMFIR_CONTINUE, "reply is " .. T.reply_name(r) .. ", not continue")
  local v = T.verdict(conn)
  T.expect(v == "fail; missing=empathy; action=flag",
    "header is '" .. tostring(v) .. "', want 'fail; missing=empathy; action=flag'")
  T.expect(not mt.eom_check(conn, MT_QUARANTINE), "a flagged reply was quarantined")
  T.expect(mt.getreply(conn) ~= SMFIR_REPLYCODE, "a flagged reply got an SMTP reply code")
  mt.disconnect(conn)
end)

T.run("fail: ReviewCopyTo adds the review recipient (MT_RCPTADD)", function()
  local conn, r = T.one(sock, {file = "flag.eml", qid = "QREVIEW"})
  T.expect(r == SMFIR_CONTINUE, "reply is " .. T.reply_name(r))
  T.expect(T.rcpt_added(conn, T.review_copy_to),
    "qa@acme.example was not added as a recipient")
  mt.disconnect(conn)
end)

T.run("fail: two messages on one connection are judged apart", function()
  local conn = T.connect(sock)
  local r = T.send(conn, {file = "hold.eml", qid = "QSEQ1"})
  T.expect(mt.eom_check(conn, MT_QUARANTINE), "first message (hold) not quarantined")
  -- Postfix sends ABORT after end of message, before the next MAIL
  local a = mt.abort(conn)
  T.expect(a == nil, "abort: " .. tostring(a))
  r = T.send(conn, {file = "good.eml", qid = "QSEQ2"})
  T.expect(r == SMFIR_CONTINUE, "second reply is " .. T.reply_name(r))
  local v = T.verdict(conn)
  T.expect(v ~= nil and v:match("^pass"), "second message header is " .. tostring(v))
  T.expect(not mt.eom_check(conn, MT_QUARANTINE), "second message quarantined too")
  mt.disconnect(conn)
end)
T.finish()
