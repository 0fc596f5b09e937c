"""The seeded fault schedule: receivers that crash and come back, Kafka brokers down, file
rotation by rename + SIGHUP, SIGHUP reloads, and kill -9 / SIGTERM of the daemon."""
import os
import signal
import time


class Chaos:
    # Receiver and reload faults, every 4-12 s, by weight.
    EVENTS = [("relp crash", 2), ("tcp+tls crash", 2), ("kafka down", 2), ("file rotate", 2), ("SIGHUP", 2)]

    def __init__(self, rng, seconds, daemon, relp, tcp, kafka, file_path, daemon_every=None):
        self.rng = rng
        self.seconds = seconds
        self.daemon = daemon
        self.relp, self.tcp, self.kafka = relp, tcp, kafka
        self.file_path = file_path
        self.log = []  # (monotonic time, event)
        self.counts = {}
        self.rotations = 0
        self.restore = {}  # what -> monotonic time to bring it back
        # The daemon's lives: about 6 stops per run (at least one every 45 s on short runs),
        # so that each life is long enough to show a slope after its warm-up.
        self.daemon_every = daemon_every or max(45.0, seconds / 6)

    def note(self, event):
        self.log.append((time.monotonic(), event))
        self.counts[event] = self.counts.get(event, 0) + 1

    def run(self):
        end = time.monotonic() + self.seconds
        next_fault = time.monotonic() + self.rng.uniform(4, 12)
        next_daemon = time.monotonic() + self.daemon_every * self.rng.uniform(0.5, 1.5)
        while time.monotonic() < end:
            time.sleep(0.25)
            now = time.monotonic()
            self.daemon.check()
            self.bring_back(now)
            if now >= next_daemon:
                if self.rng.random() < 0.5:
                    self.note("daemon kill -9")
                    self.daemon.kill9()
                else:
                    self.note("daemon SIGTERM")
                    self.daemon.term()
                next_daemon = time.monotonic() + self.daemon_every * self.rng.uniform(0.5, 1.5)
            if now >= next_fault:
                self.fault()
                next_fault = time.monotonic() + self.rng.uniform(4, 12)
        self.bring_back(float("inf"))

    def fault(self):
        names = [n for n, w in self.EVENTS for _ in range(w)]
        event = self.rng.choice(names)
        down = self.rng.uniform(2, 12)
        if event == "relp crash" and "relp" not in self.restore:
            self.relp.crash()
            self.restore["relp"] = time.monotonic() + down
        elif event == "tcp+tls crash" and "tcp" not in self.restore:
            self.tcp.crash()
            self.restore["tcp"] = time.monotonic() + down
        elif event == "kafka down" and "kafka" not in self.restore:
            self.kafka.set_up(False)
            self.restore["kafka"] = time.monotonic() + down
        elif event == "file rotate":
            self.rotations += 1
            if os.path.exists(self.file_path):
                os.rename(self.file_path, f"{self.file_path}.{self.rotations}")
            self.daemon.signal(signal.SIGHUP)
        elif event == "SIGHUP":
            self.daemon.signal(signal.SIGHUP)
        else:
            return  # that receiver is already down: no second fault on it
        self.note(event)

    def bring_back(self, now):
        for what, when in list(self.restore.items()):
            if now >= when:
                {"relp": self.relp.start, "tcp": self.tcp.start, "kafka": lambda: self.kafka.set_up(True)}[what]()
                del self.restore[what]
