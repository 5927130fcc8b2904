#!/usr/bin/env bash
# A 200 from POST /api/v1/events survives kill -9: the real binary is SIGKILLed right after a
# 200, restarted, and every acknowledged event is counted again (replayed from the ingest log);
# a signed request replayed after the restart is still refused. Bounded polling; loopback only.
set -uo pipefail
NOCTUA=$1
. "$(dirname "$0")/../support/e2e_lib.sh"

export NOCTUA_E2E_PUSH_TOKEN=e2e-push
key=e2e-signing-key-0123456789
printf '%s' "$key" > "$dir/hmac"
# No snapshot while the test runs (kill -9 skips the one at shutdown): only the log keeps events.
cat > "$dir/noctua.toml" <<TOML
[server]
listen = "127.0.0.1:0"
[[streams]]
id = "push"
kind = "http"
token_env = "NOCTUA_E2E_PUSH_TOKEN"
hmac_secret_file = "$dir/hmac"
[windows]
snapshot_interval = "1h"
[storage]
path = "$dir/state.db"
TOML

start() { start_daemon "$dir/noctua.toml" --log-format json; }
metric() {  # metric NAME_AND_LABELS: its value, or empty
    curl -fsS "http://127.0.0.1:$port/metrics" | awk -v m="$1" '$1 == m { print $2 }'
}
events_counted() {
    [ "$(metric 'noctua_ingest_events_total{source="push"}')" = "$1" ]
}

now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
batch() {  # batch NAME: 20 events with ids NAME-1..20
    for i in $(seq 1 20); do
        printf '{"id":"%s-%d","ts":"%s","provider":"acme","status":"success"}\n' "$1" "$i" "$now"
    done
}
push() {  # push NAME: one batch, must be answered 200 with all 20 accepted
    batch "$1" > "$dir/body"
    code=$(curl -sS -o "$dir/answer" -w '%{http_code}' -H "Authorization: Bearer $NOCTUA_E2E_PUSH_TOKEN" \
        -H 'Content-Type: application/x-ndjson' --data-binary "@$dir/body" \
        "http://127.0.0.1:$port/api/v1/events")
    [ "$code" = 200 ] || fail "push $1 answered $code: $(cat "$dir/answer")"
    grep -q '"accepted":20' "$dir/answer" || fail "push $1: $(cat "$dir/answer")"
}

# Five batches, SIGKILL right after the fifth 200: all 100 events come back.
start
for b in 1 2 3 4 5; do push "first-$b"; done
kill9
start
wait_for events_counted 100 || fail "after kill -9: $(metric 'noctua_ingest_events_total{source="push"}') of 100 acknowledged events"
[ "$(metric noctua_ingest_log_replayed_records_total)" -ge 5 ] || fail "replayed records metric"

# Again, on top: the log still holds the first round (no snapshot was taken).
for b in 1 2 3; do push "second-$b"; done
kill9
start
wait_for events_counted 160 || fail "after a second kill -9: $(metric 'noctua_ingest_events_total{source="push"}') of 160"

# A graceful stop snapshots the windows and trims the log: nothing is replayed twice.
kill -TERM "$pid"; wait "$pid"; pid=""
start
wait_for events_counted 0 || fail "after SIGTERM the snapshot should hold every event, log replayed: $(metric 'noctua_ingest_events_total{source="push"}')"
push "third-1"
kill9
start
wait_for events_counted 20 || fail "after the snapshot and kill -9: $(metric 'noctua_ingest_events_total{source="push"}') of 20"

# A captured signed request, replayed after a restart inside the tolerance, is refused.
ts=$(date +%s)
batch signed > "$dir/signed"
sig=$( (printf '%s.%s.' msg_e2e "$ts"; cat "$dir/signed") | openssl dgst -sha256 -hmac "$key" -binary | base64 -w0)
send_signed() {
    curl -sS -o "$dir/answer" -w '%{http_code}' -H "webhook-id: msg_e2e" -H "webhook-timestamp: $ts" \
        -H "webhook-signature: v1,$sig" -H 'Content-Type: application/x-ndjson' \
        --data-binary "@$dir/signed" "http://127.0.0.1:$port/api/v1/events"
}
code=$(send_signed)
[ "$code" = 200 ] || fail "signed push answered $code: $(cat "$dir/answer")"
kill9
start
code=$(send_signed)
[ "$code" = 401 ] || fail "signed push replayed after a restart answered $code: $(cat "$dir/answer")"
grep -q replayed "$dir/answer" || fail "replay answer: $(cat "$dir/answer")"
# Across a graceful stop (snapshot, log trimmed to a new segment) too.
kill -TERM "$pid"; wait "$pid"; pid=""
start
code=$(send_signed)
[ "$code" = 401 ] || fail "signed push replayed after a snapshot answered $code: $(cat "$dir/answer")"

kill -TERM "$pid"; wait "$pid"; code=$?; pid=""
[ "$code" = 0 ] || fail "SIGTERM exit code $code"
echo "durable push end to end OK"
