#!/usr/bin/env python3
"""`make soak`: the daemon for SOAK_MINUTES under every fault at once, then proof that nothing
was lost, duplicates stayed within the documented bounds, and nothing leaked (issue 21 item 3).

    SOAK_MINUTES=3 SOAK_SEED=7 scripts/soak/soak.py --bin .build/release --out soak-out

Everything listens on 127.0.0.1; every wait is bounded; every process this run started is
killed on exit, whatever the exit (atexit + SIGINT/SIGTERM handlers)."""
import argparse
import atexit
import os
import random
import shutil
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import services  # noqa: E402
from chaos import Chaos  # noqa: E402
from daemon import Daemon  # noqa: E402
from finish import finish  # noqa: E402
from watch import NotifyListener, Sampler  # noqa: E402

CLIENT_ID = "5e0c1a2b-0000-4000-8000-00000000501a"
TENANT_ID = "00000000-0000-0000-0000-000000000000"


def arguments():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    env = os.environ.get
    p.add_argument("--bin", default=env("BIN", ".build/release"))
    p.add_argument("--out", default=env("SOAK_OUT", "soak-out"))
    p.add_argument("--minutes", type=float, default=float(env("SOAK_MINUTES", "30")))
    p.add_argument("--seed", type=int, default=int(env("SOAK_SEED", "1")))
    p.add_argument("--activities", type=int, default=int(env("SOAK_ACTIVITIES", "20000")), help="backlog")
    p.add_argument("--live-rate", type=float, default=float(env("SOAK_LIVE_RATE", "20")))
    p.add_argument("--alert-rate", type=float, default=float(env("SOAK_ALERT_RATE", "0.5")))
    p.add_argument("--watchdog-seconds", type=int, default=20)
    p.add_argument("--sample-seconds", type=float, default=2.0)
    p.add_argument("--daemon-every", type=float, default=None,
                   help="mean seconds between kill -9/SIGTERM of the daemon (default: about 6 per run); "
                        "a value longer than the run keeps one life, to see whether RSS levels off")
    p.add_argument("--drain-seconds", type=float, default=float(env("SOAK_DRAIN_SECONDS", "420")))
    return p.parse_args()


def config(run, sim_url, ports, certs, kafka_bootstrap, file_path, secret_file, plan):
    ca = certs[0]
    return f"""# written by scripts/soak/soak.py
tenant:
  url: {sim_url}
  auth:
    entra:
      tenant_id: {TENANT_ID}
      client_id: {CLIENT_ID}
      client_secret_file: {secret_file}
      authority: {sim_url}
  requests_per_minute: 30
  request_timeout: 20s
activities:
  page_size: {plan['page_size']}
  poll_interval: 2s
  settle_time: 1s
  checkpoint_every: {plan['checkpoint_every']}
alerts:
  enabled: true
  resolutions: false
state:
  path: {run}/state/state.json
outputs:
  - {{name: tcp, url: "tcp://127.0.0.1:{ports['tcp']}", format: cef, syslog: rfc5424, framing: lf, max_message_bytes: 65536}}
  - name: tls
    url: "tls://127.0.0.1:{ports['tls']}"
    format: cef
    syslog: rfc5424
    max_message_bytes: 65536
    tls: {{ca_file: {ca}}}
  - name: relp
    url: "relp://127.0.0.1:{ports['relp']}"
    format: cef
    syslog: rfc5424
    max_message_bytes: 65536
    relp: {{window: {plan['relp_window']}, timeout: 10s}}
  - name: kafka
    url: "kafka://{kafka_bootstrap}/soak"
    format: cef
    max_message_bytes: 65536
    kafka: {{delivery_timeout: 10s}}
  - {{name: file, url: "file://{file_path}", format: json, syslog: none, max_message_bytes: 1048576}}
metrics:
  listen: 127.0.0.1:{ports['metrics']}
log:
  level: info
"""


def main():
    a = arguments()
    started = time.monotonic()
    out = os.path.abspath(a.out)
    run = os.path.join(out, "run")
    shutil.rmtree(run, ignore_errors=True)
    for d in ("certs", "relp", "tcp", "kafka", "file", "state"):
        os.makedirs(os.path.join(run, d), exist_ok=True)
    os.chmod(os.path.join(run, "state"), 0o700)
    binary = lambda name: os.path.join(os.path.abspath(a.bin), name)
    atexit.register(services.stop_all)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda s, _f: sys.exit(128 + s))
    rng = random.Random(a.seed)
    plan = {"page_size": 1000, "checkpoint_every": 500, "relp_window": 64,
            "watchdog_usec": a.watchdog_seconds * 1_000_000}

    certs = services.make_certificates(os.path.join(run, "certs"))
    secret_file = os.path.join(run, "client-secret")
    with open(os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
        f.write(f"soak-secret-{a.seed}\n")
    inventory = os.path.join(run, "inventory.txt")
    # Live arrivals of both streams, ties and late records, 5xx/HTML/truncated/slow answers,
    # 429 with and without Retry-After (a bucket below the forwarder's 30/min), Entra tokens
    # that expire every 45 s.
    sim_argv = [binary("mdca-simulator"), "--listen", "127.0.0.1:0", "--seed", str(a.seed),
                "--activities", str(a.activities), "--alerts", "300", "--live-rate", str(a.live_rate),
                "--alert-rate", str(a.alert_rate), "--tie-fraction", "0.3", "--late-fraction", "0.1",
                "--fault-rate", "0.08", "--slow-response", "3", "--throttle-rpm", "20", "--retry-after", "sometimes",
                "--client-id", CLIENT_ID, "--client-secret-file", secret_file, "--entra-token-lifetime", "45",
                "--inventory-file", inventory]
    sim_log = os.path.join(run, "simulator.log")
    sim = services.spawn(sim_argv, sim_log)
    sim_url = services.wait_for_line(sim_log, "listening on ", sim, 300)

    ports = {k: services.free_port() for k in ("tcp", "tls", "relp", "metrics")}
    relp = services.Rsyslog(os.path.join(run, "relp"), [("relp", "relp", ports["relp"])])
    tcp = services.Rsyslog(os.path.join(run, "tcp"), [("tcp", "tcp", ports["tcp"]), ("tls", "tls", ports["tls"])], certs)
    relp.start()
    tcp.start()
    kafka = services.KafkaMock(binary("mdca-kafka-mock"), os.path.join(run, "kafka"), "soak")
    file_path = os.path.join(run, "file", "out.log")
    config_path = os.path.join(run, "config.yaml")
    with open(config_path, "w") as f:
        f.write(config(run, sim_url, ports, certs, kafka.bootstrap, file_path, secret_file, plan))

    notify = NotifyListener(os.path.join(run, "notify.sock"))
    daemon = Daemon(binary("mdca-forwarder"), config_path, run, notify, plan["watchdog_usec"])
    daemon.start()
    sampler = Sampler(daemon.current, f"http://127.0.0.1:{ports['metrics']}/metrics", a.sample_seconds)
    chaos = Chaos(rng, a.minutes * 60, daemon, relp, tcp, kafka, file_path, a.daemon_every)
    chaos.run()
    setup = {"seed": a.seed, "minutes": a.minutes, "sim_argv": sim_argv, "plan": plan, "ports": ports,
             "started": started, "drain_seconds": a.drain_seconds, "out": out, "run": run,
             "warmup": min(120.0, chaos.daemon_every / 3)}
    status = finish(setup, sim, inventory, daemon, sampler, notify, chaos, relp, tcp, kafka, file_path)
    return status


if __name__ == "__main__":
    sys.exit(main())
