"""The end of a soak: stop live arrivals, drain, stop the daemon cleanly, read every receiver
back, check, report."""
import json
import os
import signal
import time

import audit
import report
import services
from watch import metric, scrape

MIB = 1024.0


def state_cursors(path):
    """(activities createdMs, alerts timestampMs, the state as JSON) or Nones."""
    try:
        with open(path) as f:
            state = json.load(f)
    except (OSError, ValueError):
        return None, None, None
    alerts = (state.get("alerts") or {}).get("cursor") or {}
    return state.get("cursor", {}).get("createdMs"), alerts.get("timestampMs"), state


def wait_quiet(paths, quiet=3.0, timeout=60.0):
    """Waits until none of `paths` grew for `quiet` s (receivers finished writing)."""
    deadline = time.monotonic() + timeout
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        sizes = [os.path.getsize(p) if os.path.exists(p) else 0 for p in paths]
        if sizes != last:
            last, since = sizes, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return True
        time.sleep(0.5)
    return False


def finish(setup, sim, inventory_path, daemon, sampler, notify, chaos, relp, tcp, kafka, file_path):
    run, plan = setup["run"], setup["plan"]
    metrics_url = f"http://127.0.0.1:{setup['ports']['metrics']}/metrics"
    daemon.check()
    # 1. No more arrivals: the simulator stops its live generator and writes its final list.
    drain_start = time.monotonic()
    sim.send_signal(signal.SIGUSR1)
    services.wait_for_line(os.path.join(run, "simulator.log"), "inventory written", sim, 300)
    activities, alerts = audit.read_inventory(inventory_path)
    max_created, max_alert = max(activities.values()), max(alerts.values())
    # 2. Drain: until the checkpoint covers the newest record of both streams.
    drained = False
    deadline = time.monotonic() + setup["drain_seconds"]
    while time.monotonic() < deadline:
        daemon.check()
        act, alr, _ = state_cursors(daemon.state_path)
        if act is not None and alr is not None and act >= max_created and alr >= max_alert:
            drained = True
            break
        time.sleep(1)
    drain_seconds = time.monotonic() - drain_start
    receiver_files = [relp.file("relp"), tcp.file("tcp"), tcp.file("tls"), file_path]
    wait_quiet(receiver_files)
    final_metrics = scrape(metrics_url)
    # 3. A clean stop of the last life (exit 0 expected), then everything read back.
    daemon.term(restart=False)
    sampler.stop()
    events = notify.snapshot()
    notify.close()
    kafka_ids = kafka.keys_read()
    act_ms, alert_ms, state = state_cursors(daemon.state_path)
    services.stop(sim)
    relp.crash()
    tcp.crash()
    services.stop(kafka.proc)

    outputs = {}
    for name, paths, fmt in (("relp", [relp.file("relp")], "cef"), ("kafka", None, None),
                             ("file", audit.rotated(file_path), "json"),
                             ("tcp", [tcp.file("tcp")], "cef"), ("tls", [tcp.file("tls")], "cef")):
        ids, unreadable = (kafka_ids, 0) if name == "kafka" else audit.ids_in_files(paths, fmt)
        outputs[name] = audit.delivery(ids, activities, alerts)
        outputs[name]["unreadable"] = unreadable

    incs = daemon.incarnations
    kills = sum(1 for i in incs if i["how"] and not i["how"].startswith("SIGTERM"))
    per_kill = min(plan["page_size"], plan["checkpoint_every"])
    crashes = {"relp": chaos.counts.get("relp crash", 0), "tcp": chaos.counts.get("tcp+tls crash", 0),
               "tls": chaos.counts.get("tcp+tls crash", 0), "kafka": chaos.counts.get("kafka down", 0), "file": 0}
    per_break = {"relp": plan["relp_window"], "tcp": plan["page_size"], "tls": plan["page_size"],
                 "kafka": plan["page_size"], "file": 0}
    bounds = {o: kills * 2 * per_kill + crashes[o] * per_break[o] for o in outputs}

    rss_slope, rss_span = audit.pooled_slope(sampler.samples, "rss_kib", setup["warmup"])
    fd_slope, fd_span = audit.pooled_slope(sampler.samples, "fds", setup["warmup"], envelope=60)
    gaps = audit.watchdog_gaps(incs, events)
    sent = {(s, o): metric(final_metrics, "mdca_forwarder_records_sent_total", stream=s, output=o)
            for s in ("activities", "alerts") for o in outputs}
    facts = {
        "setup": setup, "activities": len(activities), "alerts": len(alerts), "drained": drained,
        "drain_seconds": drain_seconds, "outputs": outputs, "bounds": bounds, "kills": kills,
        "per_kill": per_kill, "crashes": crashes, "incarnations": incs, "chaos": chaos.counts,
        "rss_slope_mib_h": rss_slope * 3600 / MIB if rss_slope is not None else None, "rss_span": rss_span,
        "fd_slope_h": fd_slope * 3600 if fd_slope is not None else None, "fd_span": fd_span,
        "gaps": gaps, "watchdog_s": plan["watchdog_usec"] / 1e6,
        "state": {"activities_ms": act_ms, "alerts_ms": alert_ms, "max_created": max_created, "max_alert": max_alert,
                  "forwarded": (state or {}).get("counters", {}).get("recordsForwarded"),
                  "alerts_forwarded": ((state or {}).get("alerts") or {}).get("counters", {}).get("recordsForwarded")},
        "metrics": {"checkpoint_activities": metric(final_metrics, "mdca_forwarder_checkpoint_timestamp_seconds", stream="activities"),
                    "checkpoint_alerts": metric(final_metrics, "mdca_forwarder_checkpoint_timestamp_seconds", stream="alerts"),
                    "sent": sent},
        "samples": sampler.samples, "chaos_log": chaos.log, "wall_seconds": time.monotonic() - setup["started"],
    }
    return report.write(facts, setup["out"])
