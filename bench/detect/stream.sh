#!/usr/bin/env bash
# bench/detect/stream.sh: stream detection over 16 days of simulated transactions.
#
#   bench/detect/stream.sh [path/to/noctua] [path/to/noctua-sim]   (default: build/bin/…)
#
# 1. Quiet: 16 days of fault-free traffic from config/examples/fleet.toml replayed through the
#    stream windows with the shipped defaults (`noctua replay --events`, no config): every
#    alert is a false alarm.
# 2. Found: the same 16 days with the faults of bench/detect/stream-faults.toml injected from
#    day 9 on: every fault must raise an alert naming its provider between its start and its
#    end (+30 min), and no alert may fire outside a fault. A balance drain must also page
#    (BalanceLow on the balance the events report, not the insufficient-balance burst) before
#    the float is empty: before its first INSUFFICIENT_BALANCE event.
# 3. Paged: both streams again with the shipped example routing (config/examples/
#    stream-routing.toml: the same rules, group_by = ["provider"], an [[inhibit]] for a provider
#    that is down) through `noctua replay --notifications`: the notifications each fault gives
#    each receiver, target at most 2 (its trigger and its resolve), and none without a fault.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
noctua="${1:-$root/build/bin/noctua}"
sim="${2:-$(dirname "$noctua")/noctua-sim}"
[[ -x "$noctua" && -x "$sim" ]] || { echo "need noctua and noctua-sim (build them first)" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
start=2026-10-01T00:00:00Z

"$sim" --fleet "$root/config/examples/fleet.toml" --out "$tmp/clean.ndjson" --start $start \
  --duration 16d --speed max --log-level warn
"$sim" --fleet "$root/config/examples/fleet.toml" --scenario "$here/stream-faults.toml" \
  --out "$tmp/faults.ndjson" --start $start --duration 16d --speed max --log-level warn
echo "events: $(wc -l < "$tmp/clean.ndjson") clean, $(wc -l < "$tmp/faults.ndjson") with faults"
t0=$(date +%s.%N)
"$noctua" replay --events "$tmp/clean.ndjson" > "$tmp/clean.jsonl"
t1=$(date +%s.%N)
"$noctua" replay --events "$tmp/faults.ndjson" > "$tmp/faults.jsonl"
echo "replay of 16 days: $(python3 -c "print(f'{$t1 - $t0:.1f}')") s"
routing="$root/config/examples/stream-routing.toml"
"$noctua" replay --events "$tmp/clean.ndjson" --config "$routing" --notifications \
  > "$tmp/clean.notify"
"$noctua" replay --events "$tmp/faults.ndjson" --config "$routing" --notifications \
  > "$tmp/faults.notify"

python3 - "$here/stream-faults.toml" "$tmp/clean.jsonl" "$tmp/faults.jsonl" $start \
  "$tmp/faults.ndjson" "$tmp/clean.notify" "$tmp/faults.notify" <<'PY'
import datetime as dt, json, re, sys, tomllib
steps = tomllib.load(open(sys.argv[1], "rb"))["step"]
start = dt.datetime.fromisoformat(sys.argv[4].replace("Z", "+00:00"))
def dur(s):
    return dt.timedelta(seconds=sum(int(n) * {"d": 86400, "h": 3600, "m": 60, "s": 1}[u]
                                    for n, u in re.findall(r"(\d+)([dhms])", s)))
faults = []
for s in steps:
    if s["kind"] in ("clear", "heal"):
        for f in faults:
            if f["provider"] == s["provider"] and f["end"] is None:
                f["end"] = start + dur(s["at"])
        continue
    at = start + dur(s["at"])
    faults.append({"provider": s["provider"], "kind": s["kind"], "start": at,
                   "end": at + dur(s["for"]) if "for" in s else None, "alerts": []})
grace = dt.timedelta(minutes=30)
def timed_lines(path, keep=lambda j: True):
    """The JSON lines of `path` that `keep` accepts, each with its "at" parsed into "t"."""
    out = []
    for line in open(path):
        j = json.loads(line)
        if keep(j):
            j["t"] = dt.datetime.fromisoformat(j["at"].replace("Z", "+00:00"))
            out.append(j)
    return out
def load(path):
    return timed_lines(path, lambda j: j["state"] == "firing")
clean = load(sys.argv[2])
print(f"fault-free 16 days: {len(clean)} alerts (all false)")
for a in clean:
    print("  false:", a["at"], a["alertname"], a["labels"])
false = []
for a in load(sys.argv[3]):
    hit = [f for f in faults if a["labels"].get("provider") == f["provider"]
           and f["start"] <= a["t"] <= (f["end"] or a["t"]) + grace]
    for f in hit:
        f["alerts"].append(a)
    if not hit:
        false.append(a)
found = 0
delays = []
for f in faults:
    first = min(f["alerts"], key=lambda a: a["t"], default=None)
    if first:
        found += 1
        delays.append((first["t"] - f["start"]).total_seconds() / 60)
        names = sorted({a["alertname"] for a in f["alerts"]})
        print(f"  {f['kind']:<16} {f['provider']:<10} found after {delays[-1]:.0f} min "
              f"({len(f['alerts'])} alerts: {', '.join(names)}, first on set={first['labels'].get('set')})")
    else:
        print(f"  {f['kind']:<16} {f['provider']:<10} MISSED")
for f in faults:
    if f["kind"] != "balance_drain":
        continue
    # The float is empty at the provider's first insufficient-balance answer after the start.
    empty = None
    with open(sys.argv[5]) as events:
        for line in events:
            if "INSUFFICIENT_BALANCE" not in line or f'"{f["provider"]}"' not in line:
                continue
            e = json.loads(line)
            t = dt.datetime.fromisoformat(e["ts"].replace("Z", "+00:00"))
            if e["provider"] == f["provider"] and t >= f["start"]:
                empty = t
                break
    page = min((a for a in f["alerts"] if a["alertname"] == "BalanceLow"
                and "reason" not in a["labels"]), key=lambda a: a["t"], default=None)
    paged = page["t"] if page else None
    if empty and paged and paged < empty:
        # What the page said: the float left (its value) and the time it forecast.
        forecast = re.search(r"lasts (about [\d.]+ \w+)", page["summary"])
        print(f"  balance_drain    {f['provider']:<10} paged at {paged:%H:%M} "
              f"({page['labels'].get('severity')}) with {page['value']:,.2f} left "
              f"({forecast.group(1) if forecast else 'no forecast'} at the current spend); "
              f"empty at {empty:%H:%M:%S}: paged {(empty - paged).total_seconds() / 60:.1f} min "
              f"before the float was empty")
    else:
        print(f"  balance_drain    {f['provider']:<10} NOT paged before the float was empty "
              f"(paged {paged}, empty {empty})")
for a in false:
    print("  false:", a["at"], a["alertname"], a["labels"])
delays.sort()
median = delays[len(delays) // 2] if delays else float("nan")
print(f"with faults: found {found}/{len(faults)}, false alarms {len(false)}, "
      f"median delay {median:.0f} min, max {max(delays, default=float('nan')):.0f} min")

# Notifications: each belongs to the latest fault of its group's provider that began before it
# (within a day); any other is a page without a fault.
notifications = timed_lines
clean_n = notifications(sys.argv[6])
print(f"notifications, fault-free 16 days: {len(clean_n)}")
for n in clean_n:
    print("  unexplained:", n["at"], n["receiver"], n["group_key"], n["status"])
receivers = sorted({n["receiver"] for n in notifications(sys.argv[7])})
per_fault = {id(f): {r: [] for r in receivers} for f in faults}
unexplained = []
for n in notifications(sys.argv[7]):
    prov = n["group_labels"].get("provider")
    cands = [f for f in faults if f["provider"] == prov and f["start"] <= n["t"] <= f["start"] + dt.timedelta(days=1)]
    if not cands:
        unexplained.append(n)
        continue
    per_fault[id(max(cands, key=lambda f: f["start"]))][n["receiver"]].append(n)
worst = 0
print("notifications per fault per receiver (target: at most 2, trigger and resolve):")
for f in faults:
    parts = []
    for r in receivers:
        ns = per_fault[id(f)][r]
        worst = max(worst, len(ns))
        desc = ", ".join(f"{x['status']} +{(x['t'] - f['start']).total_seconds() / 60:.0f}m"
                         f" ({x['firing']}f/{x['resolved']}r {'/'.join(x['alertnames'])})"
                         for x in ns)
        parts.append(f"{r} {len(ns)}" + (f" [{desc}]" if ns else ""))
    print(f"  {f['kind']:<16} {f['provider']:<10} " + "; ".join(parts))
for n in unexplained:
    print("  unexplained:", n["at"], n["receiver"], n["group_key"], n["status"])
print(f"notifications: at most {worst} per fault per receiver, {len(unexplained)} without a fault "
      f"(with faults), {len(clean_n)} in the fault-free days")
PY
