"""What the driver watches while the daemon runs: sd_notify datagrams (with the sender's pid
from SO_PASSCRED) and periodic samples of RSS, descriptors and lag."""
import os
import re
import socket
import struct
import threading
import time
import urllib.request

METRIC = re.compile(r'^([a-z_]+)(\{[^}]*\})?\s+([-+0-9.eE]+|NaN)\s*$')


class NotifyListener:
    """Binds the NOTIFY_SOCKET datagram socket; keeps (monotonic time, pid, message) tuples."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.sock.settimeout(0.5)
        self.events = []
        self.lock = threading.Lock()
        self.stopping = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        cred_size = struct.calcsize("iII")
        while not self.stopping:
            try:
                data, anc, _, _ = self.sock.recvmsg(4096, socket.CMSG_SPACE(cred_size))
            except socket.timeout:
                continue
            except OSError:
                return
            now = time.monotonic()
            pid = None
            for level, kind, payload in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                    pid = struct.unpack("iII", payload[:cred_size])[0]
            with self.lock:
                for line in data.decode(errors="replace").splitlines():
                    self.events.append((now, pid, line))

    def snapshot(self):
        with self.lock:
            return list(self.events)

    def wait_for(self, pid, message, timeout):
        """Waits until `pid` sent `message` (e.g. READY=1); its time, or None."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for t, p, line in self.snapshot():
                if p == pid and line == message:
                    return t
            time.sleep(0.05)
        return None

    def close(self):
        self.stopping = True
        self.thread.join(2)
        self.sock.close()


def scrape(url, timeout=3):
    """/metrics as {(name, labels): value}; {} when it does not answer."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            text = r.read().decode(errors="replace")
    except Exception:
        return {}
    out = {}
    for line in text.splitlines():
        m = METRIC.match(line)
        if m:
            out[(m.group(1), m.group(2) or "")] = float(m.group(3))
    return out


def metric(values, name, **labels):
    """The value of `name` whose labels include `labels`; None when absent."""
    for (n, l), v in values.items():
        if n == name and all(f'{k}="{val}"' in l for k, val in labels.items()):
            return v
    return None


def proc_sample(pid):
    """(VmRSS KiB, open descriptors) of `pid`, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
        fds = len(os.listdir(f"/proc/{pid}/fd"))
        return rss, fds
    except (FileNotFoundError, ProcessLookupError, StopIteration, PermissionError):
        return None


class Sampler:
    """Every `interval` s: RSS, fds and lag of the current daemon (`current()` gives
    (incarnation index, pid, start time) or None)."""

    def __init__(self, current, metrics_url, interval):
        self.current = current
        self.url = metrics_url
        self.interval = interval
        self.samples = []  # dicts
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        t0 = time.monotonic()
        while not self.stopping.wait(self.interval):
            cur = self.current()
            if cur is None:
                continue
            index, pid, started = cur
            ps = proc_sample(pid)
            if ps is None:
                continue
            values = scrape(self.url)
            now_wall = time.time()
            lag = {}
            for stream in ("activities", "alerts"):
                ts = metric(values, "mdca_forwarder_checkpoint_timestamp_seconds", stream=stream)
                lag[stream] = (now_wall - ts) if ts else None
            now = time.monotonic()
            self.samples.append({"t": now - t0, "mono": now, "incarnation": index, "age": now - started,
                                 "rss_kib": ps[0], "fds": ps[1],
                                 "lag_activities": lag["activities"], "lag_alerts": lag["alerts"]})

    def stop(self):
        self.stopping.set()
        self.thread.join(self.interval + 5)
