#!/usr/bin/env bash
# The noctua binary as an operator uses it. Bounded polling only; loopback only.
set -uo pipefail
NOCTUA=$1
export NOCTUA_E2E_HEARTBEAT_TOKEN=e2e-token  # the heartbeat probe's (never called here)
. "$(dirname "$0")/../support/e2e_lib.sh"

"$NOCTUA" --version | grep -q '^noctua [0-9]' || fail "--version"

# check: every problem at once, FILE:LINE:COL: key.path: message, exit 2
cat > "$dir/bad.toml" <<'TOML'
[server]
listen = "127.0.0.1:0"
[[probes]]
id = "p"
provider = "nope"
path = "/x"
interval = "30"
TOML
"$NOCTUA" check -c "$dir/bad.toml" 2> "$dir/err"; code=$?
[ "$code" = 2 ] || fail "check on a bad file exited $code, want 2"
grep -q "bad.toml:5:12: probes\[0\].provider: " "$dir/err" || fail "provider error format: $(cat "$dir/err")"
grep -q "bad.toml:7:12: probes\[0\].interval: " "$dir/err" || fail "interval error format: $(cat "$dir/err")"

# check: an expression nested 100,000 deep is a positioned error, not a crash
deep=$(python3 -c 'print("(" * 100000 + "status == 200" + ")" * 100000)')
printf '[[providers]]\nid = "acme"\nbase_url = "http://127.0.0.1:9"\n[[probes]]\nid = "p"\nprovider = "acme"\npath = "/x"\nexpect = ["%s"]\n' \
  "$deep" > "$dir/deep.toml"
"$NOCTUA" check -c "$dir/deep.toml" 2> "$dir/err"; code=$?
[ "$code" = 2 ] || fail "check on a too-deep expression exited $code, want 2"
grep -q "deep.toml:8:112: probes\[0\].expect\[0\]: nested too deeply" "$dir/err" || fail "depth error: $(head -c 300 "$dir/err")"

# check: only regular files are read, so neither an endless device nor a FIFO holds it up
for input in /dev/zero "$dir/fifo"; do
  [ "$input" = /dev/zero ] || mkfifo "$input"
  timeout 10 "$NOCTUA" check -c "$input" 2> "$dir/err"; code=$?
  [ "$code" = 2 ] || fail "check -c $input exited $code, want 2"
  grep -q "not a regular file" "$dir/err" || fail "check -c $input: $(cat "$dir/err")"
done

# run: a valid file, listening on a free port
cat > "$dir/good.toml" <<'TOML'
[server]
listen = "127.0.0.1:0"
[[providers]]
id = "acme"
base_url = "http://127.0.0.1:9"
[[probes]]
id = "nightly-export"
provider = "acme"
kind = "heartbeat"
interval = "1h"
token_env = "NOCTUA_E2E_HEARTBEAT_TOKEN"
[[receivers]]
name = "log"
kind = "log"
[route]
receiver = "log"
TOML
"$NOCTUA" check -c "$dir/good.toml" > "$dir/out" || fail "check on a good file"
grep -q "config OK" "$dir/out" || fail "check summary: $(cat "$dir/out")"

start_daemon "$dir/good.toml" --log-format json
grep -q '"msg":"noctua .* listening on' "$dir/log" || fail "no start-up line: $(cat "$dir/log")"
# The summary counts the probes (their configs move into the scheduler at start), and names
# the allocator the binary was linked with (jemalloc, except in sanitizer builds).
grep -q 'listening on .*1 probe' "$dir/log" || fail "start-up summary: $(cat "$dir/log")"
# (grep reads all of ldd's output: with -q it may exit first, and pipefail sees ldd's SIGPIPE.)
if ldd "$NOCTUA" | grep libjemalloc >/dev/null; then allocator=jemalloc; else allocator=libc; fi
grep -q "allocator $allocator" "$dir/log" || fail "allocator $allocator not in: $(cat "$dir/log")"
curl -fsS "http://127.0.0.1:$port/healthz" | grep -q ok || fail "/healthz"

# reload_metric_is V: /metrics reports the last reload's success as V (0 or 1).
reload_metric_is() {
  curl -fsS "http://127.0.0.1:$port/metrics" | grep "^noctua_config_last_reload_successful $1" >/dev/null
}

# SIGHUP with an invalid file: rejected, old config keeps running, metric reads 0
printf '[server]\nlisten = 1\n' > "$dir/good.toml"
kill -HUP "$pid"
wait_for grep -q 'reload rejected' "$dir/log" || fail "invalid reload not rejected"
reload_metric_is 0 || fail "reload metric not 0"
kill -0 "$pid" || fail "daemon died on a bad reload"

# SIGHUP with a too-deep expression: rejected the same way, the daemon keeps running
cp "$dir/deep.toml" "$dir/good.toml"
kill -HUP "$pid"
two_rejected() { [ "$(grep -c 'reload rejected' "$dir/log")" = 2 ]; }
wait_for two_rejected || fail "too-deep reload not rejected"
kill -0 "$pid" || fail "daemon died on a too-deep expression"
curl -fsS "http://127.0.0.1:$port/healthz" | grep -q ok || fail "/healthz after a too-deep reload"

# SIGHUP with a valid file: applied
printf '[server]\nlisten = "127.0.0.1:0"\n' > "$dir/good.toml"
kill -HUP "$pid"
wait_for grep -q 'configuration reloaded' "$dir/log" || fail "valid reload not applied"
reload_metric_is 1 || fail "reload metric not 1"

# Every log line is JSON
python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1]) if l.strip()]' "$dir/log" \
  || fail "log is not JSON lines"

# SIGTERM: graceful, exit 0
kill -TERM "$pid"
wait "$pid"; code=$?
pid=""
[ "$code" = 0 ] || fail "exit code after SIGTERM: $code"
grep -q '"msg":"stopped"' "$dir/log" || fail "no stopped line"
echo "cli e2e: all checks passed"
