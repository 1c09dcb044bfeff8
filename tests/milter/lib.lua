-- lib.lua - helpers shared by the miltertest scripts of tests/milter/.
--
-- Loaded by each script with dofile(libdir .. "/lib.lua"); the runner
-- passes -D sock=... -D libdir=... -D msgdir=... (and -D sock2=... for
-- scripts that talk to a second filter).
--
-- miltertest prints nothing for a Lua error() and just exits 1, so
-- every test runs through T.run, which catches the error and prints
-- "FAIL: NAME: why" or "PASS: NAME"; T.finish() exits 1 after a failure.

T = {}

-- Read a whole file.
function T.readfile(path)
  local f, err = io.open(path, "rb")
  if f == nil then error("cannot read " .. path .. ": " .. tostring(err), 2) end
  local s = f:read("a")
  f:close()
  return s
end

-- Split a message into a list of {name, value} header fields (folded
-- lines joined the way Postfix sends them: "\n" + the continuation) and
-- the body with CRLF line ends.
function T.parse(raw)
  raw = raw:gsub("\r\n", "\n")
  local head, body = raw:match("^(.-)\n\n(.*)$")
  if head == nil then head, body = raw, "" end
  local fields = {}
  for line in (head .. "\n"):gmatch("(.-)\n") do
    if line:match("^[ \t]") and #fields > 0 then
      fields[#fields][2] = fields[#fields][2] .. "\n" .. line
    else
      local name, value = line:match("^([^:]+):[ \t]?(.*)$")
      if name then fields[#fields + 1] = {name, value} end
    end
  end
  body = body:gsub("\n", "\r\n")
  return fields, body
end

-- Connect and negotiate the way Postfix does (everything offered).
function T.connect(sockname)
  local conn = mt.connect(sockname, 100, 0.1)
  if conn == nil then error("cannot connect to " .. tostring(sockname), 2) end
  mt.set_timeout(30)
  local r = mt.negotiate(conn, nil, nil, nil)
  if r ~= nil then error("negotiate: " .. r, 2) end
  if not mt.test_option(conn, SMFIP_NOCONNECT) then
    r = mt.conninfo(conn, "client.test.example", "127.0.0.1")
    if r ~= nil then error("conninfo: " .. r, 2) end
  end
  if not mt.test_option(conn, SMFIP_NOHELO) then
    r = mt.helo(conn, "client.test.example")
    if r ~= nil then error("helo: " .. r, 2) end
  end
  return conn
end

local function step(what, r)
  if r ~= nil then error(what .. ": " .. r, 3) end
end

-- Send one message and its end of message.
--   opts.file      message file (in msgdir unless it starts with "/")
--   opts.from      envelope sender ("agent@acme.example")
--   opts.rcpts     envelope recipients ({"customer@customer.example"})
--   opts.qid       queue id macro "i" ("TESTQID")
--   opts.extra_body  bytes appended to the body (for big messages)
--   opts.extra_headers  {{name, value}, ...} prepended to the header
-- Returns the end-of-message reply (an SMFIR_* number).
function T.send(conn, opts)
  local path = opts.file
  if path:sub(1, 1) ~= "/" then path = msgdir .. "/" .. path end
  local fields, body = T.parse(T.readfile(path))
  if opts.extra_headers then
    for i = #opts.extra_headers, 1, -1 do
      table.insert(fields, 1, opts.extra_headers[i])
    end
  end
  if opts.extra_body then body = body .. opts.extra_body end
  local from = opts.from or "agent@acme.example"
  local rcpts = opts.rcpts or {"customer@customer.example"}

  mt.macro(conn, SMFIC_MAIL, "i", opts.qid or "TESTQID")
  if not mt.test_option(conn, SMFIP_NOMAIL) then
    step("mailfrom", mt.mailfrom(conn, "<" .. from .. ">"))
  end
  if not mt.test_option(conn, SMFIP_NORCPT) then
    for _, r in ipairs(rcpts) do step("rcptto", mt.rcptto(conn, "<" .. r .. ">")) end
  end
  if not mt.test_option(conn, SMFIP_NODATA) then step("data", mt.data(conn)) end
  if not mt.test_option(conn, SMFIP_NOHDRS) then
    for _, f in ipairs(fields) do step("header " .. f[1], mt.header(conn, f[1], f[2])) end
  end
  if not mt.test_option(conn, SMFIP_NOEOH) then step("eoh", mt.eoh(conn)) end
  if not mt.test_option(conn, SMFIP_NOBODY) then
    -- Postfix sends the body in chunks of at most 65535 bytes
    local pos = 1
    while pos <= #body do
      step("body", mt.bodystring(conn, body:sub(pos, pos + 65534)))
      pos = pos + 65535
    end
  end
  step("eom", mt.eom(conn))
  return mt.getreply(conn)
end

-- A fresh connection, one message, returns conn and the reply.
function T.one(sockname, opts)
  local conn = T.connect(sockname)
  local reply = T.send(conn, opts)
  return conn, reply
end

function T.reply_name(r)
  local names = {
    [SMFIR_CONTINUE] = "continue", [SMFIR_ACCEPT] = "accept",
    [SMFIR_REJECT] = "reject", [SMFIR_TEMPFAIL] = "tempfail",
    [SMFIR_DISCARD] = "discard", [SMFIR_REPLYCODE] = "replycode",
  }
  if r == nil then return "nil" end
  return names[r] or string.format("%q", string.char(math.floor(r)))
end

-- The filter let the message go on untouched (continue or accept).
function T.is_pass_through(r)
  return r == SMFIR_CONTINUE or r == SMFIR_ACCEPT
end

function T.expect(cond, what)
  if not cond then error(what, 2) end
end

-- The value of the verdict header added at end of message, or nil.
function T.verdict(conn, name)
  return mt.getheader(conn, name or "X-Care-Check", 0)
end

-- The review address the runner configures (ReviewCopyTo).
T.review_copy_to = "qa@acme.example"

-- Was ADDR added as a recipient?  (MT_RCPTADD takes exactly one
-- address and compares it as sent, so try it with and without <>.)
function T.rcpt_added(conn, addr)
  return mt.eom_check(conn, MT_RCPTADD, "<" .. addr .. ">") or
    mt.eom_check(conn, MT_RCPTADD, addr)
end

-- Was any modification (or a reply code) requested at end of message?
-- (MT_SMTPREPLY needs the whole "code xcode text" to compare.)
function T.modified(conn)
  return mt.eom_check(conn, MT_HDRADD) or mt.eom_check(conn, MT_HDRINSERT) or
    mt.eom_check(conn, MT_HDRCHANGE) or mt.eom_check(conn, MT_HDRDELETE) or
    T.rcpt_added(conn, T.review_copy_to) or
    mt.eom_check(conn, MT_BODYCHANGE) or mt.eom_check(conn, MT_QUARANTINE) or
    mt.getreply(conn) == SMFIR_REPLYCODE
end

T.failed = 0

-- Run fn as test NAME: prints "PASS: NAME" or "FAIL: NAME: why".
function T.run(name, fn)
  local ok, err = xpcall(fn, debug.traceback)
  if ok then
    mt.echo("PASS: " .. name)
  else
    T.failed = T.failed + 1
    mt.echo("FAIL: " .. name .. ": " .. tostring(err))
  end
end

-- End of script: exit 1 when any test failed.
function T.finish()
  os.exit(T.failed == 0 and 0 or 1)
end
