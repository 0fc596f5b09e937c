"""The processes of a soak run: simulator, rsyslog receivers, Kafka mock cluster, daemon.

Every process is started in its own process group and remembered, so `stop_all` (the
driver's trap) ends exactly what this run started and nothing else.
"""
import os
import signal
import socket
import subprocess
import time

STARTED = []  # every Popen this run made, for the cleanup trap


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago (bind to 0, read it, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spawn(argv, log_path, stdin=subprocess.DEVNULL, env=None):
    log = open(log_path, "ab")
    p = subprocess.Popen(argv, stdin=stdin, stdout=log, stderr=subprocess.STDOUT, env=env,
                         start_new_session=True)
    log.close()
    STARTED.append(p)
    return p


def wait_for_line(path, prefix, proc, timeout):
    """The first line of `path` starting with `prefix`, waiting up to `timeout` s while `proc` lives."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(path, errors="replace") as f:
                for line in f:
                    if line.startswith(prefix):
                        return line[len(prefix):].strip()
        except FileNotFoundError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited {proc.returncode} before printing '{prefix}' (see {path})")
        time.sleep(0.1)
    raise RuntimeError(f"timed out after {timeout}s waiting for '{prefix}' in {path}")


def wait_listening(port, proc, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited {proc.returncode} before listening on {port}")
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on 127.0.0.1:{port} within {timeout}s")


def stop(p, sig=signal.SIGTERM, timeout=15):
    """Signals `p` and waits; SIGKILL when it does not go within `timeout`. Its exit code."""
    if p.poll() is None:
        try:
            p.send_signal(sig)
        except ProcessLookupError:
            pass
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(10)
    return p.returncode


def stop_all():
    for p in reversed(STARTED):
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGKILL)  # its own group: its children too
            except ProcessLookupError:
                pass
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                pass


def make_certificates(d):
    """A throw-away CA and a server certificate for 127.0.0.1 (as Tests/TestSupport does)."""
    ext = os.path.join(d, "ext.cnf")
    with open(ext, "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    j = lambda n: os.path.join(d, n)
    for argv in (["req", "-x509", *ec, "-keyout", j("ca.key"), "-out", j("ca.pem"), "-days", "2", "-subj", "/CN=soak CA"],
                 ["req", *ec, "-keyout", j("server.key"), "-out", j("server.csr"), "-subj", "/CN=localhost"],
                 ["x509", "-req", "-in", j("server.csr"), "-CA", j("ca.pem"), "-CAkey", j("ca.key"),
                  "-CAcreateserial", "-out", j("server.pem"), "-days", "2", "-extfile", ext]):
        subprocess.run(["openssl", *argv], check=True, capture_output=True)
    return j("ca.pem"), j("server.pem"), j("server.key")


class Rsyslog:
    """A private rsyslogd on loopback: `inputs` = [(name, kind, port)], kind tcp | tls | relp.
    Each input writes `%rawmsg%` lines to <dir>/<name>.log through a direct queue (a message
    is in the file before the next is taken: imrelp answers 200 only for what is written)."""

    def __init__(self, directory, inputs, certs=None):
        self.dir = directory
        self.inputs = inputs
        os.makedirs(os.path.join(directory, "work"), exist_ok=True)
        g = f'global(workDirectory="{directory}/work" maxMessageSize="1m" parser.escapeControlCharactersOnReceive="off"'
        if certs:
            g += f' DefaultNetstreamDriverCAFile="{certs[0]}" DefaultNetstreamDriverCertFile="{certs[1]}" DefaultNetstreamDriverKeyFile="{certs[2]}"'
        lines = [g + ")", 'main_queue(queue.type="direct")']
        kinds = {k for _, k, _ in inputs}
        if kinds & {"tcp", "tls"}:
            lines.append('module(load="imtcp")')
        if "relp" in kinds:
            lines.append('module(load="imrelp")')
        for name, kind, port in inputs:
            lines.append(f'template(name="t_{name}" type="string" string="%rawmsg%\\n")')
            lines.append(f'ruleset(name="rs_{name}") {{ action(type="omfile" file="{self.file(name)}" template="t_{name}" flushOnTXEnd="on") }}')
            common = f'port="{port}" address="127.0.0.1" ruleset="rs_{name}"'
            if kind == "tcp":
                lines.append(f'input(type="imtcp" {common})')
            elif kind == "tls":
                lines.append(f'input(type="imtcp" {common} streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon")')
            else:
                lines.append(f'input(type="imrelp" {common} maxDataSize="1m")')
        self.conf = os.path.join(directory, "rsyslog.conf")
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.proc = None

    def file(self, name):
        return os.path.join(self.dir, f"{name}.log")

    def start(self):
        pid_file = os.path.join(self.dir, "rsyslogd.pid")
        if os.path.exists(pid_file):
            os.unlink(pid_file)  # a killed rsyslogd leaves it behind and refuses to start
        self.proc = spawn(["/usr/sbin/rsyslogd", "-n", "-f", self.conf, "-i", pid_file],
                          os.path.join(self.dir, "rsyslogd.stderr"))
        for name, _, port in self.inputs:
            wait_listening(port, self.proc, 20, f"rsyslogd ({name})")

    def crash(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    @property
    def up(self):
        return self.proc is not None and self.proc.poll() is None


class KafkaMock:
    """librdkafka's mock cluster (mdca-kafka-mock): `down` / `up` on its stdin. The mock keeps
    only the last few MB of each partition, so its own consumer follows the topic from the
    start (`follow`), writing every key (the `_id`) to keys.txt as it is produced."""

    def __init__(self, binary, directory, topic, partitions=3):
        self.log = os.path.join(directory, "kafka-mock.log")
        self.keys = os.path.join(directory, "keys.txt")
        self.proc = spawn([binary, "--topic", topic, "--partitions", str(partitions)], self.log, stdin=subprocess.PIPE)
        self.bootstrap = wait_for_line(self.log, "bootstrap ", self.proc, 60)
        self.command(f"follow {self.keys}")
        self.up = True

    def command(self, text):
        self.proc.stdin.write((text + "\n").encode())
        self.proc.stdin.flush()

    def set_up(self, up):
        self.command("up" if up else "down")
        self.up = up

    def keys_read(self, timeout=300):
        """Every key the follower read, once 3 s passed without a new one."""
        self.command("settle")
        count = wait_for_line(self.log, "settled ", self.proc, timeout)
        with open(self.keys, errors="replace") as f:
            keys = [k.rstrip("\n") for k in f]
        if len(keys) != int(count):
            raise RuntimeError(f"mdca-kafka-mock read {count} records but {self.keys} holds {len(keys)}")
        return keys
