#!/usr/bin/env python3
"""The usual scripted alternative, for comparison only: a scan loop with urllib + json, CEF
lines in RFC 5424, one TCP socket, a checkpoint file after every page. Not shipped."""
import datetime, json, os, socket, sys, urllib.request

url, token, host, port, state = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
esc_h = lambda v: str(v).replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")
esc_e = lambda v: str(v).replace("\\", "\\\\").replace("=", "\\=").replace("\r", "\\r").replace("\n", "\\n")

def cef(r):
    ts = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    ext = {"rt": r.get("timestamp"), "start": r.get("timestamp"), "end": r.get("timestamp"),
           "msg": r.get("description"), "suser": (r.get("user") or {}).get("userName"),
           "src": (r.get("device") or {}).get("clientIP"), "requestClientApplication": (r.get("device") or {}).get("userAgent"),
           "cs1Label": "portalURL", "cs1": "https://portal/#/audits?activity.id=" + str(r.get("_id")),
           "cs2Label": "app", "cs2": r.get("appName"), "externalId": r.get("_id")}
    extension = " ".join(f"{k}={esc_e(v)}" for k, v in ext.items() if v is not None)
    head = f"CEF:0|MCAS|SIEM_Agent|0.1|{esc_h(r.get('eventTypeName'))}|{esc_h(r.get('description'))}|0|"
    return f"<134>1 {ts} bench mdca-python - activity - {head}{extension}\n".encode()

cursor = json.load(open(state))["created"] if os.path.exists(state) else 0
sock = socket.create_connection((host, port))
filters = {"created": {"gte": cursor}}
while True:
    body = json.dumps({"filters": filters, "isScan": True, "sortField": "created", "sortDirection": "asc", "limit": 5000}).encode()
    req = urllib.request.Request(url + "/api/v1/activities/", data=body, method="POST",
                                 headers={"Authorization": "Token " + token, "Content-Type": "application/json"})
    page = json.load(urllib.request.urlopen(req, timeout=120))
    records = page.get("data", [])
    sock.sendall(b"".join(cef(r) for r in records))
    if records:
        with open(state + ".tmp", "w") as f:
            json.dump({"created": records[-1]["created"]}, f); f.flush(); os.fsync(f.fileno())
        os.replace(state + ".tmp", state)
    if not page.get("hasNext"):
        break
    filters = page["nextQueryFilters"]
sock.close()
