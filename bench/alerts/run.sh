#!/usr/bin/env bash
# bench/alerts: alert delivery, Noctua against Debian's Alertmanager measured in the same run.
# Both get the same alerts through Alertmanager's `POST /api/v2/alerts` and deliver them to one
# loopback webhook (alerts_bench, which also pushes and times):
#   (a) latency: one alert at a time, each its own group (group_by ["..."], group_wait 0), from
#       the push to the webhook receiving it; Noctua's path includes the outbox commit (fsync).
#       Each round first measures the disk's fdatasync p50/p99 (the floor of a durable answer),
#       and Noctua's durable p99 is reported against it.
#   (b) storm: ALERTS alerts across PROVIDERS providers, BATCH per request, CONNS requests in
#       flight: ingest alerts/s, notify latency, RSS growth per active alert (15 s after the
#       last delivery, every alert still active), duplicates, the target's CPU per alert.
# Each round starts each target afresh (new state directory); rounds alternate which goes first.
# Usage: bench/alerts/run.sh [rounds] [latency alerts] [storm alerts] [providers]
#   env: BUILD_DIR (default build-bench), STORM_BATCH (100), STORM_CONNS (4)
source "$(dirname "$0")/../release_build.sh"
rounds=${1:-3}
n_latency=${2:-300}
n_storm=${3:-10000}
providers=${4:-500}
batch=${STORM_BATCH:-100}
conns=${STORM_CONNS:-4}
am=/usr/bin/prometheus-alertmanager
if [[ ! -x $am ]]; then
    sudo -n apt-get install -y --no-install-recommends prometheus-alertmanager >/dev/null 2>&1 ||
        apt-get install -y --no-install-recommends prometheus-alertmanager >/dev/null
fi
release_build alerts_bench noctua
driver="$build/bin/alerts_bench"
# State on the repository's disk (not a tmpfs), as a daemon's would be.
work=$(mktemp -d -p "$build" alerts-bench.XXXXXX)
pid=
cleanup() {
    if [[ -n "$pid" ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_http() {  # wait_http URL
    for _ in $(seq 200); do
        curl -fs "$1" >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    echo "not ready: $1" >&2
    return 1
}

start_target() {  # start_target noctua|alertmanager PORT RECEIVER_PORT
    local dir="$work/$1"
    rm -rf "$dir"
    mkdir -p "$dir"
    if [[ $1 == noctua ]]; then
        cat >"$dir/noctua.toml" <<TOML
[logging]
level = "warn"

[server]
listen = "127.0.0.1:$2"

[storage]
path = "$dir/noctua.db"

[[receivers]]
name = "hook"
kind = "webhook"
url = "http://127.0.0.1:$3/hook"
send_resolved = false

[route]
receiver = "hook"
group_by = ["..."]
group_wait = "0s"
TOML
        "$build/bin/noctua" run -c "$dir/noctua.toml" >"$dir/log" 2>&1 &
        pid=$!
        wait_http "http://127.0.0.1:$2/readyz"
    else
        cat >"$dir/am.yml" <<YAML
route:
  receiver: hook
  group_by: ['...']
  group_wait: 0s
  group_interval: 5m
  repeat_interval: 4h
receivers:
  - name: hook
    webhook_configs:
      - url: http://127.0.0.1:$3/hook
        send_resolved: false
YAML
        "$am" --config.file="$dir/am.yml" --storage.path="$dir/data" \
            --web.listen-address="127.0.0.1:$2" --cluster.listen-address= \
            --log.level=warn >"$dir/log" 2>&1 &
        pid=$!
        wait_http "http://127.0.0.1:$2/-/ready"
    fi
}

stop_target() {
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=
}

results="$work/results.ndjson"
: >"$results"
for round in $(seq "$rounds"); do
    # The disk's floor under this round's load: a durable answer cannot beat one fdatasync.
    "$driver" fsync "$work" 200 | sed "s/^{/{\"target\":\"disk\",\"round\":$round,/" >>"$results"
    order="noctua alertmanager"
    (( round % 2 == 0 )) && order="alertmanager noctua"
    for target in $order; do
        for mode in latency storm; do
            port=$(free_port)
            rport=$(free_port)
            start_target "$target" "$port" "$rport"
            if [[ $mode == latency ]]; then
                line=$("$driver" latency "$port" "$rport" "$n_latency") || true
            else
                line=$("$driver" storm "$port" "$rport" "$n_storm" "$providers" "$batch" \
                    "$conns" "$pid") || true
            fi
            stop_target
            echo "round $round $target: $line"
            [[ -n "$line" ]] && echo "${line/#\{/\{\"target\":\"$target\",\"round\":$round,}" >>"$results"
        done
    done
done

python3 - "$results" "$rounds" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def med(target, mode, key):
    v = [r[key] for r in rows if r.get("target") == target and r.get("mode") == mode and key in r]
    return statistics.median(v) if v else float("nan"), v
disk = [r for r in rows if r.get("target") == "disk"]
d50 = statistics.median(r["p50_ms"] for r in disk)
d99 = statistics.median(r["p99_ms"] for r in disk)
print(f"disk floor (4 KiB write + fdatasync, 200 per round): p50 {d50:.2f} ms, "
      f"p99 {d99:.2f} ms {[round(r['p99_ms'], 2) for r in disk]}")
print(f"medians of {sys.argv[2]} round(s) [runs]:")
def show(label, mode, key, unit, target_text, fmt="{:.2f}", higher_better=False):
    n, nv = med("noctua", mode, key)
    a, av = med("alertmanager", mode, key)
    better = (n / a if higher_better else a / n) if n and a else float("nan")
    ratio = f"{better:.1f}x" if better == better else "-"
    print(f"  {label:<34} noctua {fmt.format(n)} {unit} {[round(x, 2) for x in nv]}  "
          f"alertmanager {fmt.format(a)} {unit} {[round(x, 2) for x in av]}  "
          f"noctua better by {ratio}  target {target_text}")
show("(a) notify p50", "latency", "notify_p50_ms", "ms", "-")
show("(a) notify p99", "latency", "notify_p99_ms", "ms", "<= 3 ms")
show("(a) push answered p50", "latency", "ack_p50_ms", "ms", "-")
show("(a) push answered (durable) p99", "latency", "ack_p99_ms", "ms", "<= 3 ms")
# Noctua answers only once the alert is fsynced; Alertmanager keeps it in memory. Per round,
# Noctua's durable p99 over the disk's own fsync p99 measured just before it.
ratios = []
for r in rows:
    if r.get("target") == "noctua" and r.get("mode") == "latency":
        floor = [x for x in disk if x.get("round") == r.get("round")]
        if floor and floor[0]["p99_ms"] > 0:
            ratios.append(r["ack_p99_ms"] / floor[0]["p99_ms"])
if ratios:
    print(f"  {'(a) durable p99 / fsync p99':<34} noctua {statistics.median(ratios):.2f}x "
          f"{[round(x, 2) for x in ratios]}  (1.0x: the disk's floor)")
show("(b) ingest", "storm", "ingest_per_s", "alerts/s", ">= 20000", "{:.0f}", True)
show("(b) alerts per target CPU-second", "storm", "alerts_per_cpu_s", "", "-", "{:.0f}", True)
show("(b) notify p50", "storm", "notify_p50_ms", "ms", "-")
show("(b) notify p99", "storm", "notify_p99_ms", "ms", "< 50 ms")
show("(b) notify mean", "storm", "notify_mean_ms", "ms", "-")
show("(b) all delivered after", "storm", "all_delivered_s", "s", "-")
show("(b) RSS growth per active alert", "storm", "bytes_per_alert", "bytes", "<= 2048", "{:.0f}")
show("(b)   … at the last delivery", "storm", "bytes_per_alert_at_delivery", "bytes", "-", "{:.0f}")
show("(b) duplicates at the webhook", "storm", "duplicates", "", "0", "{:.0f}")
show("(b) alerts received", "storm", "received", "", "all", "{:.0f}")
PY
