#!/usr/bin/env python3
"""Peak RSS of `mdca-forwarder once` must not grow with the number of records or pages: the
release build drains 500,000 and then 2,000,000 small synthetic activities (pages of 5,000)
into a counting TCP receiver; the peaks (VmHWM) must differ by less than 8 MiB. The big
version of ResourceBoundsTests.peakRSSDoesNotGrowWithRecordsOrPages (issue 21 item 4), which
`make test` runs smaller on the debug build.

    scripts/soak/bounds.py --bin .build/release [--small 500000 --large 2000000] [--out soak-out]
"""
import argparse
import http.server
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

SLACK_KIB = 8 * 1024


class ScanAPI(http.server.ThreadingHTTPServer):
    """Computes scan pages: record n is created at base + n ms (nothing stored)."""
    daemon_threads = True

    def __init__(self, count, base):
        self.count, self.base, self.pages = count, base, 0
        super().__init__(("127.0.0.1", 0), Handler)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        s = self.server
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        created = body.get("filters", {}).get("created", {})
        gte = created.get("gte", created["gt"] + 1 if "gt" in created else 0)
        lte = created.get("lte", 2 ** 62)
        limit = max(1, min(int(body.get("limit", 500)), 5000))
        first = max(0, gte - s.base)
        end = min(s.count, min(lte, s.base + s.count - 1) - s.base + 1)
        last = min(end, first + limit)
        data = ",".join(
            f'{{"_id":"s{n:09d}","created":{s.base + n},"timestamp":{s.base + n},'
            f'"eventTypeValue":"EVENT_CATEGORY_LOGIN","appId":11161,"description":"synthetic activity"}}'
            for n in range(first, last))
        page = f'{{"data":[{data}],"hasNext":{"true" if last < end else "false"}'
        if last < end:
            page += f',"nextQueryFilters":{{"created":{{"gte":{s.base + last},"lte":{lte}}}}}'
        out = (page + f',"total":{max(0, end - first)}}}').encode()
        s.pages += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)


def receiver():
    """A TCP listener counting LF-terminated lines; (port, counter dict)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    counter = {"lines": 0}
    lock = threading.Lock()

    def serve(c):
        while True:
            b = c.recv(1 << 20)
            if not b:
                break
            with lock:
                counter["lines"] += b.count(b"\n")
        c.close()

    def accept():
        while True:
            try:
                c, _ = srv.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(c,), daemon=True).start()
    threading.Thread(target=accept, daemon=True).start()
    return srv, counter


def vmhwm(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return None


def drain(binary, count):
    base = int(time.time() * 1000) - count - 60_000
    api = ScanAPI(count, base)
    threading.Thread(target=api.serve_forever, daemon=True).start()
    srv, counter = receiver()
    with tempfile.TemporaryDirectory(prefix="mdca-bounds-") as d:
        config = os.path.join(d, "config.yaml")
        with open(config, "w") as f:
            f.write(f"""tenant:
  url: http://127.0.0.1:{api.server_address[1]}
  auth: {{token_env: MDCA_BOUNDS_TOKEN}}
activities: {{page_size: 5000, settle_time: 1s}}
state: {{path: {d}/state.json}}
outputs:
  - {{name: rx, url: "tcp://127.0.0.1:{srv.getsockname()[1]}", format: json, syslog: none, max_message_bytes: 1048576}}
log: {{level: notice}}
""")
        started = time.monotonic()
        p = subprocess.Popen([binary, "once", "--config", config], env=dict(os.environ, MDCA_BOUNDS_TOKEN="bounds"),
                             stderr=subprocess.PIPE)
        peak = 0
        while p.poll() is None and time.monotonic() - started < 900:
            peak = max(peak, vmhwm(p.pid) or 0)
            time.sleep(0.02)
        if p.poll() is None:
            p.kill()
        err = p.communicate(timeout=30)[1].decode(errors="replace")
        seconds = time.monotonic() - started
        deadline = time.monotonic() + 10
        while counter["lines"] < count and time.monotonic() < deadline:
            time.sleep(0.1)
        with open(os.path.join(d, "state.json")) as f:
            cursor = json.load(f)["cursor"]["createdMs"]
    api.shutdown()
    srv.close()
    return {"records": count, "pages": api.pages, "peak_kib": peak, "rc": p.returncode, "lines": counter["lines"],
            "cursor_ok": cursor == base + count - 1, "seconds": seconds, "stderr": err[-2000:]}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", default=".build/release")
    p.add_argument("--small", type=int, default=500_000)
    p.add_argument("--large", type=int, default=2_000_000)
    p.add_argument("--out", default="soak-out")
    a = p.parse_args()
    binary = os.path.join(a.bin, "mdca-forwarder")
    runs = [drain(binary, a.small), drain(binary, a.large)]
    rows = ["| records | pages | peak RSS | exit | lines received | cursor at the last record | wall |", "| --- | --- | --- | --- | --- | --- | --- |"]
    ok = True
    for r in runs:
        rows.append(f"| {r['records']:,} | {r['pages']} | {r['peak_kib'] / 1024:.1f} MiB | {r['rc']} | {r['lines']:,} | {r['cursor_ok']} | {r['seconds']:.1f} s |")
        good = r["rc"] == 0 and r["lines"] == r["records"] and r["cursor_ok"]
        ok &= good
        if not good:
            print(r["stderr"], file=sys.stderr)
    diff = runs[1]["peak_kib"] - runs[0]["peak_kib"]
    ok &= diff < SLACK_KIB
    text = ("# Peak RSS against the number of records and pages (release, small records, page_size 5000)\n\n"
            + "\n".join(rows) + f"\n\nDifference {diff / 1024:+.1f} MiB (limit < {SLACK_KIB // 1024} MiB): {'PASS' if ok else 'FAIL'}\n")
    print(text)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "bounds.md"), "w") as f:
        f.write(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
