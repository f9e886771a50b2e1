-- wrk script of bench/soak.sh: the requests of one server's soak, each answer checked. SOAK_KIND says which:
--   cms  GET SOAK_PATH with the bearer token SOAK_TOKEN (an XCAP profile GET); a 200 is expected.
--   kms  KMS KeyProvision POSTs for the members of SOAK_TOKENS (lines "user token") in turn, each with its token and
--        the KmsRequest `mcprov kmc` sends, for the domain SOAK_KMS_URI (as bench/kms.sh); a 200 holding a key set
--        and a signature is expected.
--   dms  one-message DM sessions of the devices of SOAK_DEVICES (lines "device basic-credential") in turn, POSTed to
--        SOAK_DM_URI: package 1 (Alert 1201, a Replace of its DevInfo, Final) with syncml:auth-basic credentials; a
--        200 whose SyncHdr status is 212 (authenticated), whose other statuses are 200, and that is Final (the
--        device has no job queued, so the session ends) is expected.
-- done() prints one line: RESULT requests bad rps p50_ms p99_ms connect read write status timeout
-- (bad: answers not as expected; the last five: wrk's socket errors, non-2xx/3xx answers and timeouts).
local threads, next_id = {}, 0
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local function kms_requests()
  local now = os.date("!%Y-%m-%dT%H:%M:%SZ")
  local kms, path = os.getenv("SOAK_KMS_URI"), wrk.path
  local list = {}
  for line in io.lines(os.getenv("SOAK_TOKENS")) do
    local user, token = line:match("^(%S+) (%S+)$")
    local body = '<?xml version="1.0" encoding="UTF-8"?>\n' ..
      '<KmsRequest xmlns="urn:3gpp:ns:mcsecKMSInterface:1.0" Version="1.1.0">' ..
      "<UserUri>" .. user .. "</UserUri><KmsUri>" .. kms .. "</KmsUri><Time>" .. now .. "</Time>" ..
      "<ClientId>mcprov</ClientId><ClientReqUrl>https://" .. kms .. path .. "</ClientReqUrl></KmsRequest>\n"
    list[#list + 1] = wrk.format("POST", path, { Authorization = "Bearer " .. token,
                                                 ["Content-Type"] = "application/xml" }, body)
  end
  return list
end

local function dms_requests()
  local uri = os.getenv("SOAK_DM_URI")
  local list = {}
  for line in io.lines(os.getenv("SOAK_DEVICES")) do
    local device, cred = line:match("^(%S+) (%S+)$")
    local body = '<?xml version="1.0" encoding="UTF-8"?>\n' ..
      '<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto>' ..
      "<SessionID>1</SessionID><MsgID>1</MsgID><Target><LocURI>" .. uri .. "</LocURI></Target>" ..
      "<Source><LocURI>" .. device .. "</LocURI></Source>" ..
      '<Cred><Meta><Type xmlns="syncml:metinf">syncml:auth-basic</Type><Format xmlns="syncml:metinf">b64</Format>' ..
      "</Meta><Data>" .. cred .. "</Data></Cred>" ..
      '<Meta><MaxMsgSize xmlns="syncml:metinf">16384</MaxMsgSize></Meta></SyncHdr><SyncBody>' ..
      "<Alert><CmdID>1</CmdID><Data>1201</Data></Alert><Replace><CmdID>2</CmdID>" ..
      "<Item><Source><LocURI>./DevInfo/DevId</LocURI></Source><Data>" .. device .. "</Data></Item>" ..
      "<Item><Source><LocURI>./DevInfo/Man</LocURI></Source><Data>mcprov</Data></Item>" ..
      "<Item><Source><LocURI>./DevInfo/Mod</LocURI></Source><Data>soak</Data></Item>" ..
      "<Item><Source><LocURI>./DevInfo/DmV</LocURI></Source><Data>1.2</Data></Item>" ..
      "<Item><Source><LocURI>./DevInfo/Lang</LocURI></Source><Data>en</Data></Item>" ..
      "</Replace><Final/></SyncBody></SyncML>\n"
    list[#list + 1] = wrk.format("POST", wrk.path, { ["Content-Type"] = "application/vnd.syncml.dm+xml" }, body)
  end
  return list
end

local function dms_answer_ok(body)
  if not body:find("<Cmd>SyncHdr</Cmd>.-<Data>212</Data>") or not body:find("<Final/>", 1, true) then
    return false
  end
  for code in body:gmatch("<Data>(%d+)</Data>") do
    if code ~= "200" and code ~= "212" then
      return false
    end
  end
  return true
end

function init(args)
  kind = os.getenv("SOAK_KIND")
  reqs, i, bad = {}, 0, 0
  if kind == "cms" then
    reqs[1] = wrk.format("GET", wrk.path, { Authorization = "Bearer " .. os.getenv("SOAK_TOKEN") })
  elseif kind == "kms" then
    reqs = kms_requests()
  elseif kind == "dms" then
    reqs = dms_requests()
  else
    error("SOAK_KIND must be cms, kms or dms")
  end
  i = id % #reqs -- threads start at different members or devices
end

function request()
  i = i % #reqs + 1
  return reqs[i]
end

function response(status, headers, body)
  local ok = status == 200
  if ok and kind == "kms" then
    ok = body:find("<KmsKeySet", 1, true) and body:find("SignatureValue", 1, true)
  elseif ok and kind == "dms" then
    ok = dms_answer_ok(body)
  end
  if not ok then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local b = 0
  for _, t in ipairs(threads) do
    b = b + (t:get("bad") or 0)
  end
  local e = summary.errors
  io.write(string.format("RESULT %d %d %.1f %.2f %.2f %d %d %d %d %d\n", summary.requests, b,
                         summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
                         latency:percentile(99) / 1000, e.connect, e.read, e.write, e.status, e.timeout))
end
