#!/usr/bin/env bash
# bench/ingest: builds ingest_bench and noctua (Release, separate build dir) and prints
#   (a) parse + windows from memory, (memory) bytes per series-bucket,
#   (b) HTTP push over loopback to the real daemon (`noctua run`), batches of 1,000,
#   (c) file tail vs Debian's mtail over the same NDJSON file (mtail installed if missing).
# Usage: bench/ingest/run.sh [events for (a)] [events for (c)] [batches for (b)]
source "$(dirname "$0")/../release_build.sh"
events=${1:-1000000}
tail_events=${2:-1000000}
batches=${3:-2000}
conns=${PUSH_CONNS:-2}  # (b) keep-alive connections pushing at once
release_build ingest_bench noctua
bench="$build/bin/ingest_bench"
work=$(mktemp -d)
daemon_pid=
cleanup() {
    if [[ -n "$daemon_pid" ]]; then kill "$daemon_pid" 2>/dev/null || true; wait "$daemon_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

"$bench" parse "$events"
"$bench" memory 1000

# (b) the real daemon with one http stream, pushed to by $conns keep-alive connections: with
# [storage] (each 200 waits for the ingest log's fsync), then without it (the baseline: a 200
# once applied in memory), in the same run.
push_bench() {  # push_bench with-log|in-memory
    local port storage=""
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    rm -rf "$work/state.db"*
    [[ $1 == with-log ]] && storage=$'[storage]\npath = "'"$work/state.db"'"'
    cat >"$work/push.toml" <<TOML
[server]
listen = "127.0.0.1:$port"

[[streams]]
id = "push"
kind = "http"
token_env = "NOCTUA_BENCH_TOKEN"
queue_limit = 64

$storage
TOML
    echo "(b) $1:"
    NOCTUA_BENCH_TOKEN=bench-token "$build/bin/noctua" run -c "$work/push.toml" >"$work/daemon.log" 2>&1 &
    daemon_pid=$!
    for _ in $(seq 100); do
        curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
        sleep 0.1
    done
    local cpu0 cpu1
    cpu0=$(awk '{print $14 + $15}' "/proc/$daemon_pid/stat")
    "$bench" push "$port" bench-token "$batches" 1000 "$conns" 5
    cpu1=$(awk '{print $14 + $15}' "/proc/$daemon_pid/stat")
    python3 -c "import os,sys; t=(int(sys.argv[2])-int(sys.argv[1]))/os.sysconf('SC_CLK_TCK'); n=5*int(sys.argv[3])*1000; print(f'    daemon CPU: {t:.2f} s for {n} events = {n/t:.0f} events per daemon CPU-second (io + ingest threads)')" "$cpu0" "$cpu1" "$batches"
    if [[ $1 == with-log ]]; then
        curl -fs "http://127.0.0.1:$port/metrics" | awk '
            /^noctua_ingest_log_fsync_seconds_sum / { sum = $2 }
            /^noctua_ingest_log_fsync_seconds_count / { n = $2 }
            /^noctua_ingest_log_records_total / { r = $2 }
            END { if (n > 0) printf "    ingest log: %d fsyncs, mean %.2f ms, %.2f batches per fsync\n", n, 1000 * sum / n, r / n }'
    fi
    kill "$daemon_pid"; wait "$daemon_pid" 2>/dev/null || true; daemon_pid=
}
push_bench with-log
push_bench in-memory

# (c) the same NDJSON file through Noctua's file tail and through mtail (one regex, counted by
# provider and status), in the same run.
if ! command -v mtail >/dev/null; then
    sudo -n apt-get install -y mtail >/dev/null 2>&1 || apt-get install -y mtail >/dev/null
fi
"$bench" generate "$work/tx.jsonl" "$tail_events"
mkdir -p "$work/progs"
cat >"$work/progs/tx.mtail" <<'MTAIL'
counter transactions_total by provider, status
/"provider":"(?P<provider>[^"]+)","status":"(?P<status>[^"]+)"/ {
  transactions_total[$provider][$status]++
}
MTAIL
noctua_line=$("$bench" tail "$work/tx.jsonl" "$tail_events")
echo "$noctua_line"
start=$(date +%s.%N)
/usr/bin/time -f "%U %S" -o "$work/mtail.time" \
    mtail --one_shot --one_shot_format=prometheus --progs "$work/progs" --logs "$work/tx.jsonl" \
    --logtostderr --address=127.0.0.1 --port=0 >"$work/mtail.out" 2>"$work/mtail.err"
end=$(date +%s.%N)
counted=$(awk '/^transactions_total\{/ {s += $NF} END {print s + 0}' "$work/mtail.out")
read -r user sys <"$work/mtail.time"
python3 - "$noctua_line" "$counted" "$start" "$end" "$user" "$sys" <<'PY'
import re, sys
line, counted, start, end, user, sys_ = sys.argv[1:]
counted = float(counted); wall = float(end) - float(start); cpu = float(user) + float(sys_)
m = re.search(r"([0-9]+) events/s wall, ([0-9]+) events per CPU-second", line)
n_wall, n_cpu = float(m.group(1)), float(m.group(2))
print(f"mtail one-shot: {counted:.0f} events counted in {wall:.2f} s wall, {cpu:.2f} s CPU: "
      f"{counted / wall:.0f} events/s wall, {counted / cpu:.0f} events per CPU-second")
print(f"ratio noctua/mtail: {n_wall / (counted / wall):.1f}x (wall), {n_cpu / (counted / cpu):.1f}x (per CPU-second), target >= 10x")
PY
