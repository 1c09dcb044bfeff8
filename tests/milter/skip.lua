-- skip.lua: messages outside the scope (auto-submitted, not a reply,
-- internal only, null sender, bulk) go on untouched: no header, no
-- quarantine, no recipient, no reply code.
dofile(libdir .. "/lib.lua")

local function untouched(name, opts)
  T.run(name, function()
    local conn, r = T.one(sock, opts)
    T.expect(T.is_pass_through(r), "reply is " .. T.reply_name(r) .. ", not continue/accept")
    T.expect(not T.modified(conn), "the message was modified: header " ..
      tostring(T.verdict(conn)))
    mt.disconnect(conn)
  end)
end

untouched("skip: Auto-Submitted reply untouched",
  {file = "skip-auto.eml", qid = "QSKIPAUTO"})
untouched("skip: not a reply untouched",
  {file = "skip-notreply.eml", qid = "QSKIPNOTREPLY"})
untouched("skip: internal recipient only untouched",
  {file = "internal.eml", qid = "QSKIPINTERNAL", rcpts = {"colleague@acme.example"}})
untouched("skip: null sender untouched",
  {file = "flag.eml", qid = "QSKIPNULL", from = ""})
untouched("skip: Precedence bulk untouched",
  {file = "flag.eml", qid = "QSKIPBULK", extra_headers = {{"Precedence", "bulk"}}})
untouched("skip: List-Id untouched",
  {file = "hold.eml", qid = "QSKIPLIST", extra_headers = {{"List-Id", "<news.acme.example>"}}})
T.finish()
