-- big.lua: a body larger than MaxMessageBytes (the runner sets 256k;
-- this sends 3 MB) still gets a verdict, and the filter goes on.
dofile(libdir .. "/lib.lua")

local line = "Order reference 0000-1111-2222, item: cable, quantity 1, status shipped.\r\n"
local pad = "\r\n" .. string.rep(line, math.ceil(3 * 1024 * 1024 / #line))

T.run("big: 3 MB body gets a verdict, no error", function()
  local conn, r = T.one(sock, {file = "good.eml", qid = "QBIG", extra_body = pad})
  T.expect(r == SMFIR_CONTINUE, "reply is " .. T.reply_name(r) .. ", not continue")
  local v = T.verdict(conn)
  T.expect(v ~= nil and (v:match("^pass") or v:match("^fail;")),
    "no verdict header on the big message: " .. tostring(v))
  mt.disconnect(conn)
end)

T.run("big: held reply over the limit still held", function()
  local conn, r = T.one(sock, {file = "hold.eml", qid = "QBIGHOLD", extra_body = pad})
  T.expect(r == SMFIR_CONTINUE, "reply is " .. T.reply_name(r))
  T.expect(mt.eom_check(conn, MT_QUARANTINE), "not quarantined")
  mt.disconnect(conn)
end)

T.run("big: filter answers after the big messages", function()
  local conn, r = T.one(sock, {file = "flag.eml", qid = "QAFTERBIG"})
  T.expect(r == SMFIR_CONTINUE, "reply is " .. T.reply_name(r))
  T.expect(T.verdict(conn) == "fail; missing=empathy; action=flag",
    "header is " .. tostring(T.verdict(conn)))
  mt.disconnect(conn)
end)
T.finish()
