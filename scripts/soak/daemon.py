"""The forwarder as systemd would run it: NOTIFY_SOCKET + WATCHDOG_USEC, restarted after
every stop. Each life is an "incarnation": pid, start, READY=1, end, how it ended, exit code."""
import os
import signal
import subprocess
import threading
import time

import services

RESTART_SECONDS = 1.0  # RestartSec=, shortened: more lives per hour


class Daemon:
    def __init__(self, binary, config, run, notify, watchdog_usec):
        self.argv = [binary, "run", "--config", config]
        self.log = os.path.join(run, "forwarder.log")
        self.state_path = os.path.join(run, "state", "state.json")
        self.notify = notify
        self.env = dict(os.environ, NOTIFY_SOCKET=notify.path, WATCHDOG_USEC=str(watchdog_usec))
        for key in ("WATCHDOG_PID", "JOURNAL_STREAM", "MDCA_FORWARDER_CONFIG"):
            self.env.pop(key, None)
        self.incarnations = []
        self.proc = None
        self.lock = threading.Lock()

    def current(self):
        """(incarnation index, pid, start) of the running daemon, or None."""
        with self.lock:
            if self.proc is None or self.proc.poll() is not None:
                return None
            inc = self.incarnations[-1]
            return inc["index"], inc["pid"], inc["start"]

    def start(self):
        with open(self.log, "a") as f:
            f.write(f"==== soak: start {len(self.incarnations)} at {time.strftime('%H:%M:%S')}\n")
        proc = services.spawn(self.argv, self.log, env=self.env)
        inc = {"index": len(self.incarnations), "pid": proc.pid, "start": time.monotonic(), "ready": None,
               "end": None, "how": None, "rc": None}
        with self.lock:
            self.proc = proc
            self.incarnations.append(inc)
        inc["ready"] = self.notify.wait_for(proc.pid, "READY=1", 120)
        if inc["ready"] is None and proc.poll() is not None:
            self._ended(inc, "died before READY=1")

    def _ended(self, inc, how):
        inc["end"] = inc["end"] or time.monotonic()
        inc["how"] = how
        inc["rc"] = self.proc.returncode

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def check(self):
        """Restarts a daemon that stopped by itself (a failure the report counts)."""
        if self.proc is not None and self.proc.poll() is not None:
            inc = self.incarnations[-1]
            if inc["how"] is None:
                self._ended(inc, "exited by itself")
            time.sleep(RESTART_SECONDS)
            self.start()

    def signal(self, sig):
        if self.alive():
            self.proc.send_signal(sig)

    def kill9(self):
        self._stop(signal.SIGKILL, "kill -9")
        time.sleep(RESTART_SECONDS)
        self.start()

    def term(self, restart=True, timeout=60):
        self._stop(signal.SIGTERM, "SIGTERM", timeout)
        if restart:
            time.sleep(RESTART_SECONDS)
            self.start()

    def _stop(self, sig, how, timeout=60):
        inc = self.incarnations[-1]
        if not self.alive():
            self.check()
            inc = self.incarnations[-1]
        inc["end"] = time.monotonic()
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            how += f" (no exit within {timeout}s: killed)"
            self.proc.kill()
            self.proc.wait(10)
        self._ended(inc, how)
