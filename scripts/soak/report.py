"""The soak's verdict: one row per check (stdout and summary.md), a JSON of the facts, and a
PNG of RSS, descriptors and lag over time."""
import json
import os

RSS_LIMIT_MIB_H = 16.0   # "clearly growing": more than this after warm-up
FD_LIMIT_H = 10.0
JUDGE_SPAN_S = 600       # slopes over less sampled time are too noisy to fail a run on
ACKNOWLEDGED = ("relp", "kafka", "file")


def checks(f):
    rows = []

    def row(name, value, limit, ok):
        rows.append((name, str(value), str(limit), "PASS" if ok is True else ("FAIL" if ok is False else ok)))

    row("drain after live arrivals stopped", f"{f['drain_seconds']:.0f} s", f"{f['setup']['drain_seconds']:.0f} s", f["drained"])
    for o, d in f["outputs"].items():
        lost = len(d["missing_activities"]) + len(d["missing_alerts"])
        what = f"{len(d['missing_activities'])} activities + {len(d['missing_alerts'])} alerts lost of {f['activities']} + {f['alerts']}"
        if o in ACKNOWLEDGED:
            row(f"{o}: none lost (acknowledged output)", what, "0", lost == 0)
        else:
            row(f"{o}: lost (not acknowledged: a receiver crash loses what its socket held)", what, "info", "info")
        row(f"{o}: duplicates", d["duplicates"], f"{f['bounds'][o]} (bound)", d["duplicates"] <= f["bounds"][o])
        row(f"{o}: foreign or unreadable lines", len(d["unknown"]) + d["unreadable"], "0", not d["unknown"] and d["unreadable"] == 0)
    incs = f["incarnations"]
    terms = [i for i in incs if i["how"] and i["how"].startswith("SIGTERM")]
    bad_terms = [i["index"] for i in terms if i["rc"] != 0]
    row("SIGTERM stops exit 0", f"{len(terms) - len(bad_terms)}/{len(terms)}", "all", not bad_terms)
    died = [i["index"] for i in incs if i["how"] and ("by itself" in i["how"] or "before READY" in i["how"])]
    row("daemon lives / kill -9 / died on its own", f"{len(incs)} / {f['chaos'].get('daemon kill -9', 0)} / {len(died)}", "died: 0", not died)
    not_ready = [i["index"] for i in incs if i["ready"] is None]
    row("READY=1 in every life", f"{len(incs) - len(not_ready)}/{len(incs)}", "all", not not_ready)
    starts = [i["ready"] - i["start"] for i in incs if i["ready"] is not None]
    if starts:
        row("start to READY=1 (max)", f"{max(starts):.2f} s", "info", "info")
    gaps = [g for _, g, _ in f["gaps"] if g is not None]
    worst = max(gaps) if gaps else None
    row("longest watchdog gap while up", f"{worst:.2f} s" if worst is not None else "none", f"{f['watchdog_s']:.0f} s (WATCHDOG_USEC)",
        worst is not None and worst <= f["watchdog_s"])
    for key, span, limit, unit in (("rss_slope_mib_h", "rss_span", RSS_LIMIT_MIB_H, "MiB/h"), ("fd_slope_h", "fd_span", FD_LIMIT_H, "fds/h")):
        slope = f[key]
        judged = f[span] >= JUDGE_SPAN_S
        ok = (slope is not None and slope <= limit) if judged else "info (short)"
        row(f"{'RSS' if key.startswith('rss') else 'descriptors (per-minute maxima)'} slope after warm-up", f"{slope:+.2f} {unit}" if slope is not None else "n/a",
            f"<= {limit} {unit} over >= {JUDGE_SPAN_S} s ({f[span]:.0f} s sampled)", ok)
    rss = [s["rss_kib"] for s in f["samples"]]
    fds = [s["fds"] for s in f["samples"]]
    if rss:
        row("peak RSS / peak descriptors", f"{max(rss) / 1024:.1f} MiB / {max(fds)}", "info", "info")
    st = f["state"]
    row("state cursor = newest activity created", f"{st['activities_ms']} vs {st['max_created']}", "equal", st["activities_ms"] == st["max_created"])
    row("state alert cursor = newest alert timestamp", f"{st['alerts_ms']} vs {st['max_alert']}", "equal", st["alerts_ms"] == st["max_alert"])
    lo, hi = f["activities"], f["activities"] + f["kills"] * f["per_kill"]
    fw = st["forwarded"]
    row("state recordsForwarded (activities)", fw, f"{lo}..{hi}", fw is not None and lo <= fw <= hi)
    m = f["metrics"]
    cp = m["checkpoint_activities"]
    row("/metrics checkpoint = state cursor", f"{cp}", f"{(st['activities_ms'] or 0) / 1000}",
        cp is not None and st["activities_ms"] is not None and abs(cp * 1000 - st["activities_ms"]) <= 1)
    for stream in ("activities", "alerts"):
        sent = {o: m["sent"][(stream, o)] for o in f["outputs"]}
        same = len(set(sent.values())) == 1 and None not in sent.values()
        covered = all(v is not None and v <= f["outputs"][o]["lines"] for o, v in sent.items())
        row(f"/metrics records_sent_total{{{stream}}} same for every output, <= lines received (last life)",
            "/".join(f"{o}={int(v) if v is not None else 'n/a'}" for o, v in sent.items()), "equal, covered", same and covered)
    return rows


def table(rows):
    out = ["| check | measured | limit | result |", "| --- | --- | --- | --- |"]
    out += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return "\n".join(out)


def plot(f, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    s = f["samples"]
    t = [x["t"] / 60 for x in s]
    fig, ax = plt.subplots(3, 1, figsize=(10, 8), sharex=True)
    ax[0].plot(t, [x["rss_kib"] / 1024 for x in s], ".", markersize=2)
    ax[0].set_ylabel("RSS (MiB)")
    ax[1].plot(t, [x["fds"] for x in s], ".", markersize=2)
    ax[1].set_ylabel("open fds")
    for key in ("lag_activities", "lag_alerts"):
        ax[2].plot(t, [x[key] if x[key] is not None else float("nan") for x in s], ".", markersize=2, label=key[4:])
    ax[2].set_ylabel("lag (s)")
    ax[2].set_yscale("symlog")
    ax[2].legend()
    ax[2].set_xlabel("minutes")
    t0 = s[0]["mono"] - s[0]["t"] if s else 0
    for when, event in f["chaos_log"]:
        if event.startswith("daemon"):
            for a in ax:
                a.axvline((when - t0) / 60, color="red" if "kill" in event else "orange", linewidth=0.6, alpha=0.6)
    fig.suptitle(f"mdca-forwarder soak: {f['setup']['minutes']} min, seed {f['setup']['seed']} "
                 "(red: kill -9, orange: SIGTERM)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def write(f, out):
    rows = checks(f)
    failed = [r for r in rows if r[3] == "FAIL"]
    head = (f"# Soak: {f['setup']['minutes']} min, seed {f['setup']['seed']}\n\n"
            f"{f['activities']} activities and {f['alerts']} alerts served (backlog + live); faults injected: "
            + ", ".join(f"{k} x{v}" for k, v in sorted(f["chaos"].items()))
            + f"; whole run {f['wall_seconds']:.0f} s wall.\n\nSimulator: `{' '.join(f['setup']['sim_argv'][1:])}`\n\n")
    text = head + table(rows) + f"\n\n{'FAILED: ' + str(len(failed)) + ' check(s)' if failed else 'All checks passed.'}\n"
    print(text)
    with open(os.path.join(out, "summary.md"), "w") as fh:
        fh.write(text)
    slim = {k: v for k, v in f.items() if k not in ("samples",)}
    slim["outputs"] = {o: {k: (len(v) if isinstance(v, list) else v) for k, v in d.items()} for o, d in f["outputs"].items()}
    slim["metrics"] = dict(f["metrics"], sent={f"{s}/{o}": v for (s, o), v in f["metrics"]["sent"].items()})
    with open(os.path.join(out, "facts.json"), "w") as fh:
        json.dump(slim, fh, indent=1, default=str)
    with open(os.path.join(out, "samples.json"), "w") as fh:
        json.dump(f["samples"], fh)
    try:
        plot(f, os.path.join(out, "soak.png"))
        print(f"plot: {os.path.join(out, 'soak.png')}")
    except ImportError as e:
        print(f"no plot: {e} (apt-get install python3-matplotlib, or make soak)")
        return 1
    return 1 if failed else 0
