-- pass.lua: a good reply gets "X-Care-Check: pass..." and nothing else;
-- a verdict header that arrives with the message is removed.
dofile(libdir .. "/lib.lua")

T.run("pass: good reply gets X-Care-Check: pass", function()
  local conn, r = T.one(sock, {file = "good.eml", qid = "QPASS"})
  T.expect(r == SMFIR_CONTINUE, "reply is " .. T.reply_name(r) .. ", not continue")
  local v = T.verdict(conn)
  T.expect(v ~= nil, "no X-Care-Check header added")
  T.expect(v:match("^pass$") or v:match("^pass;"), "header is '" .. v .. "', not pass")
  T.expect(not v:match("missing=") and not v:match("issues="), "pass header lists findings: " .. v)
  T.expect(T.verdict(conn, "X-Care-Check") and mt.getheader(conn, "X-Care-Check", 1) == nil,
    "more than one X-Care-Check added")
  T.expect(not mt.eom_check(conn, MT_QUARANTINE), "a passing reply was quarantined")
  T.expect(not T.rcpt_added(conn, T.review_copy_to), "a passing reply got a review copy recipient")
  T.expect(mt.getreply(conn) ~= SMFIR_REPLYCODE, "a passing reply got an SMTP reply code")
  mt.disconnect(conn)
end)

T.run("pass: forged X-Care-Check removed before ours is added", function()
  local conn, r = T.one(sock, {file = "flag.eml", qid = "QFORGED",
    extra_headers = {{"X-Care-Check", "pass; action=accept"}}})
  T.expect(r == SMFIR_CONTINUE, "reply is " .. T.reply_name(r))
  T.expect(mt.eom_check(conn, MT_HDRDELETE, "X-Care-Check") or
    mt.eom_check(conn, MT_HDRCHANGE, "X-Care-Check"),
    "the incoming X-Care-Check was not removed")
  local v = T.verdict(conn)
  T.expect(v ~= nil and v:match("^fail;"), "our header is " .. tostring(v))
  mt.disconnect(conn)
end)

T.run("pass: 20 forged X-Care-Check fields all removed", function()
  local extra = {}
  for i = 1, 20 do extra[i] = {"X-Care-Check", "pass; action=accept"} end
  local conn, r = T.one(sock, {file = "flag.eml", qid = "QFORGED20", extra_headers = extra})
  T.expect(r == SMFIR_CONTINUE, "reply is " .. T.reply_name(r))
  local kept = {}
  for i = 1, 20 do
    if not mt.eom_check(conn, MT_HDRDELETE, "X-Care-Check", i) then kept[#kept + 1] = i end
  end
  T.expect(#kept == 0, #kept .. " of 20 forged fields kept (indexes " ..
    table.concat(kept, ",") .. ")")
  mt.disconnect(conn)
end)
T.finish()
