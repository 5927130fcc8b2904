#!/usr/bin/env bash
# Alerts are never lost and never paged twice: with the webhook receiver down while an alert
# fires and resolves, the real binary is SIGKILLed, restarted, and the receiver healed; the
# receiver then gets the firing and the resolved notification, in that order, once each.
# A loopback Python server plays both the provider (its /health) and the receiver (/hook).
# Bounded polling; loopback only.
set -uo pipefail
NOCTUA=$1
. "$(dirname "$0")/../support/e2e_lib.sh"
on_fail() { echo "--- hook:"; cat "$dir/hook.log" 2>/dev/null; }
wait_tries=300

# The provider answers 500 while $dir/provider-down exists; the receiver 503 while
# $dir/receiver-down exists, and records each accepted body as one line of hook.log.
cat > "$dir/server.py" <<'PY'
import http.server, json, os, sys
d = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def reply(self, code, body=b"{}"):
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        self.reply(500 if os.path.exists(d + "/provider-down") else 200)
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(d + "/attempts.log", "a") as f: f.write("x\n")
        if os.path.exists(d + "/receiver-down"):
            return self.reply(503)
        n = json.loads(body)
        with open(d + "/hook.log", "a") as f:
            f.write("%s %s %d\n" % (n["groupKey"], n["status"], len(n["alerts"])))
        self.reply(200)
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(d + "/port", "w").write(str(s.server_address[1]))
s.serve_forever()
PY
touch "$dir/provider-down" "$dir/receiver-down"
python3 "$dir/server.py" "$dir" &
helper_pids+=($!)
wait_for test -s "$dir/port" || fail "test server did not start"
sport=$(cat "$dir/port")

cat > "$dir/noctua.toml" <<TOML
[server]
listen = "127.0.0.1:0"
[[providers]]
id = "acme"
base_url = "http://127.0.0.1:$sport"
[[probes]]
id = "acme-health"
provider = "acme"
path = "/health"
interval = "1s"
timeout = "1s"
expected_status = 200
[[rules]]
name = "ProviderDown"
kind = "downtime"
failures = 2
successes = 2
[[receivers]]
name = "hook"
kind = "webhook"
url = "http://127.0.0.1:$sport/hook"
initial_backoff = "100ms"
max_backoff = "200ms"
max_attempts = 1000
[route]
receiver = "hook"
group_by = ["provider"]
group_wait = "0s"
group_interval = "1s"
[storage]
path = "$dir/state.db"
TOML

start() { start_daemon "$dir/noctua.toml"; }
runs_at_least() {  # the probe has run N times since this start (each run is a rule input)
    local v
    v=$(curl -fsS "http://127.0.0.1:$port/metrics" |
        awk '$1 ~ /^noctua_probe_runs_total\{/ { s += $2 } END { print s + 0 }')
    [ "${v%.*}" -ge "$1" ]
}
attempts() { [ "$(cat "$dir/attempts.log" 2>/dev/null | wc -l)" -ge "$1" ]; }
logged() { grep -q "$1" "$dir/log"; }

start
wait_for logged 'alert firing alertname=ProviderDown' || fail "the outage did not fire"
wait_for attempts 2 || fail "no delivery attempt reached the receiver"
rm "$dir/provider-down"
wait_for logged 'alert resolved alertname=ProviderDown' || fail "the outage did not resolve"
: > "$dir/attempts.log"
wait_for attempts 2 || fail "the resolve was not attempted"
[ ! -s "$dir/hook.log" ] || fail "the receiver was down, yet accepted something"
kill9

rm "$dir/receiver-down"
start
twice() { [ "$(wc -l < "$dir/hook.log" 2>/dev/null || echo 0)" -ge 2 ]; }
wait_for twice || fail "after the restart the outbox was not delivered"
# Give a duplicate every chance to show up: many probe runs, rule ticks and group intervals,
# then a graceful restart and more of them.
wait_for runs_at_least 4 || fail "the probe did not keep running"
kill -TERM "$pid"; wait "$pid"; code=$?; pid=""
[ "$code" = 0 ] || fail "SIGTERM exit code $code"
start
wait_for runs_at_least 4 || fail "the probe did not run after the graceful restart"
kill -TERM "$pid"; wait "$pid"; pid=""
expected='{}:{provider="acme"} firing 1
{}:{provider="acme"} resolved 1'
[ "$(cat "$dir/hook.log")" = "$expected" ] || fail "the receiver got:
$(cat "$dir/hook.log")"
echo "alert outbox end to end OK"
