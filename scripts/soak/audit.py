"""The end-of-run checks: delivery per output, duplicate bounds, slopes, watchdog gaps."""
import collections
import glob
import re

CEF_ID = re.compile(rb"\|externalId=([^ |]+)")
JSON_ID = re.compile(rb'"_id":"([^"\\]+)"')


def read_inventory(path):
    """The simulator's final list: ({activity id: created ms}, {alert id: timestamp ms})."""
    activities, alerts = {}, {}
    with open(path) as f:
        for line in f:
            kind, rid, ms = line.split()
            (activities if kind == "activity" else alerts)[rid] = int(ms)
    return activities, alerts


def ids_in_files(paths, fmt):
    """Every record id in these files, one per line (CEF `externalId`, JSON `_id`), in order;
    and the number of lines holding none."""
    pattern = CEF_ID if fmt == "cef" else JSON_ID
    ids, unreadable = [], 0
    for path in paths:
        with open(path, "rb") as f:
            for line in f:
                m = pattern.search(line)
                if m:
                    ids.append(m.group(1).decode())
                elif line.strip():
                    unreadable += 1
    return ids, unreadable


def rotated(path):
    """The file and its renamed generations (path.1, path.2, …)."""
    return sorted(glob.glob(path + ".*"), key=lambda p: int(p.rsplit(".", 1)[1])) + [path]


def delivery(ids, activities, alerts):
    """Missing, duplicate and unknown counts of one output's ids against the inventory."""
    counts = collections.Counter(ids)
    got = set(counts)
    return {
        "lines": len(ids),
        "missing_activities": sorted(set(activities) - got),
        "missing_alerts": sorted(set(alerts) - got),
        "duplicates": sum(c - 1 for c in counts.values()),
        "unknown": sorted(got - set(activities) - set(alerts)),
    }


def pooled_slope(samples, key, warmup, envelope=None):
    """Slope of `key` over time (per second), pooled within incarnations after `warmup` s of
    each (a restart resets RSS, so the fit is of the growth inside each life, not across
    them): sum of (t - mean_i)(y - mean_i) over sum of (t - mean_i)^2. Also the seconds of
    samples it used. `envelope` (s): fit the maximum of each such window instead of every
    sample — descriptors dip while outputs are down or the API holds requests off, and
    those dips are not what a leak moves: a leak lifts the top."""
    by = collections.defaultdict(list)
    for s in samples:
        if s["age"] >= warmup and s[key] is not None:
            by[s["incarnation"]].append((s["mono"], s[key]))
    if envelope:
        for life, points in by.items():
            bins = collections.defaultdict(list)
            for t, y in points:
                bins[int((t - points[0][0]) // envelope)].append((t, y))
            by[life] = [(sum(t for t, _ in b) / len(b), max(y for _, y in b)) for _, b in sorted(bins.items())]
    num = den = 0.0
    span = 0.0
    for points in by.values():
        if len(points) < 3:
            continue
        mt = sum(t for t, _ in points) / len(points)
        my = sum(y for _, y in points) / len(points)
        num += sum((t - mt) * (y - my) for t, y in points)
        den += sum((t - mt) ** 2 for t, _ in points)
        span += points[-1][0] - points[0][0]
    return (num / den if den else None), span


def watchdog_gaps(incarnations, events):
    """The longest interval without WATCHDOG=1 while each daemon was up: from READY=1 to the
    first ping, between pings, and from the last ping until the driver stopped it (or saw it
    stop, or it announced STOPPING=1). [(incarnation, longest gap s, pings)]."""
    out = []
    for inc in incarnations:
        if inc["ready"] is None:
            out.append((inc["index"], None, 0))
            continue
        mine = [(t, line) for t, pid, line in events if pid == inc["pid"]]
        end = inc["end"]
        stopping = [t for t, line in mine if line == "STOPPING=1"]
        if stopping:
            end = min(end, stopping[0])
        pings = [t for t, line in mine if line == "WATCHDOG=1" and inc["ready"] <= t <= end]
        marks = [inc["ready"], *pings, end]
        gap = max(b - a for a, b in zip(marks, marks[1:]))
        out.append((inc["index"], gap, len(pings)))
    return out
