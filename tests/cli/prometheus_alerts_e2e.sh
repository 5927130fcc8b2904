#!/usr/bin/env bash
# A real Prometheus (Debian's `prometheus`) names Noctua as its Alertmanager: its alerting
# rule's alert arrives through POST /api/v2/alerts, is routed and delivered like Noctua's own,
# and resolves when Prometheus stops sending it. Bounded polling; loopback only.
set -uo pipefail
NOCTUA=$1
PROMETHEUS=${PROMETHEUS:-prometheus}
command -v "$PROMETHEUS" >/dev/null || { echo "FAIL: prometheus not installed (scripts/install-deps)"; exit 1; }
. "$(dirname "$0")/../support/e2e_lib.sh"
on_fail() { echo "--- prometheus log:"; tail -30 "$dir/prom.log"; }
# poll N CMD...: runs CMD every 100 ms until it succeeds, at most N times.
poll() { local n=$1; shift; for _ in $(seq 1 "$n"); do "$@" && return 0; sleep 0.1; done; return 1; }

cat > "$dir/noctua.toml" <<TOML
[server]
listen = "127.0.0.1:0"
[[receivers]]
name = "log"
kind = "log"
[route]
receiver = "log"
group_by = ["alertname"]
group_wait = "0s"
TOML
start_daemon "$dir/noctua.toml"

# An alerting rule that always fires; later reloaded with an expression that never does.
cat > "$dir/rules.yml" <<'YML'
groups:
  - name: noctua-e2e
    interval: 1s
    rules:
      - alert: PrometheusSideOutage
        expr: vector(1)
        labels: {provider: acme, severity: critical}
        annotations: {summary: "raised by Prometheus"}
YML
cat > "$dir/prometheus.yml" <<YML
global:
  evaluation_interval: 1s
rule_files: ["$dir/rules.yml"]
alerting:
  alertmanagers:
    - api_version: v2
      static_configs:
        - targets: ["127.0.0.1:$port"]
YML
"$PROMETHEUS" --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/tsdb" \
    --web.listen-address=127.0.0.1:0 --rules.alert.resend-delay=1s > "$dir/prom.log" 2>&1 &
ppid_=$!
helper_pids+=("$ppid_")

firing() { curl -fsS "http://127.0.0.1:$port/api/v1/alerts" | grep -q '"alertname":"PrometheusSideOutage"'; }
poll 300 firing || fail "the Prometheus alert never reached noctua"
delivered() { grep -q 'alertname=PrometheusSideOutage' "$dir/log" && grep -q 'delivered notification=' "$dir/log"; }
poll 100 delivered || fail "the Prometheus alert was not delivered to the receiver"
grep -q '"provider":"acme"' <(curl -fsS "http://127.0.0.1:$port/api/v1/alerts") || fail "labels lost"

# The rule stops firing: Prometheus sends it resolved (endsAt now), and it resolves here.
sed -i 's/expr: vector(1)/expr: vector(1) == 0/' "$dir/rules.yml"
kill -HUP "$ppid_"
resolved() { ! firing; }
poll 300 resolved || fail "the alert did not resolve after Prometheus dropped it"
grep -q 'alert resolved alertname=PrometheusSideOutage' "$dir/log" || fail "no resolve transition"

# Bad bodies are refused whole.
code=$(curl -sS -o /dev/null -w '%{http_code}' -X POST -d '{"not":"a list"}' "http://127.0.0.1:$port/api/v2/alerts")
[ "$code" = 400 ] || fail "a bad body answered $code"
kill -TERM "$pid"; wait "$pid"; pid=""
echo "prometheus alerts end to end OK"
