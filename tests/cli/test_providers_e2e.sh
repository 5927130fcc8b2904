#!/usr/bin/env bash
# `noctua test-providers` against a real noctua-sim: exit 0 with every provider healthy, the
# HTML report in headless Chromium (no console message, every provider shown, a screenshot
# kept), then one provider broken: exit 1, valid JUnit XML naming the failed step, and a
# catalogue_change reported as what it changed on the next run; then the same suites inside a
# daemon fed a transaction stream: its report with the stream's numbers, in Chromium too, and
# the summary at its receiver.
# Usage: test_providers_e2e.sh NOCTUA NOCTUA_SIM ARTEFACT_DIR SCREENSHOT
set -euo pipefail
noctua=$1 sim=$2 artefacts=$3 screenshot=$4
work=$(mktemp -d)
sim_pid=
daemon_pid=
cleanup() {
  if [ -n "$daemon_pid" ]; then kill "$daemon_pid" 2>/dev/null || true; wait "$daemon_pid" 2>/dev/null || true; fi
  if [ -n "$sim_pid" ]; then kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$work/fleet.toml" <<TOML
seed = 5
[[providers]]
id = "acme"
name = "Acme Topups"
countries = ["ES", "PT"]
currency = "EUR"
[[providers]]
id = "globaltop"
name = "GlobalTop Mexico"
countries = ["MX", "GT"]
currency = "MXN"
balance = 400000.0
TOML
provider() {  # id
  cat <<TOML
[[providers]]
id = "$1"
base_url = "http://127.0.0.1:$port/$1"
auth = { type = "oauth2_client_credentials", token_url = "http://127.0.0.1:$port/$1/oauth/token", client_id = "$1-client", client_secret = "$1-secret", audience = "https://topups-sandbox.reloadly.com" }
[[status_tests]]
id = "$1-daily"
provider = "$1"
schedule = "0 6 * * *"
timezone = "Europe/Madrid"
page_size = 3
phone = "$2"
TOML
}
# A top-up to the same number within two minutes is refused (PHONE_RECENTLY_RECHARGED):
# each run gets its own numbers.
write_config() {  # run number
  {
    echo "[status_reports]"
    echo "dir = \"$work/state\""
    provider acme "3460000000$1"
    provider globaltop "521551234567$1"
  } >"$work/noctua.toml"
}
write_config 0

# broken_run RUN FORMAT OUTPUT: test-providers on config RUN writing FORMAT to OUTPUT must
# exit 1 (a provider is broken).
broken_run() {
  write_config "$1"
  local code=0
  "$noctua" test-providers -c "$work/noctua.toml" --format "$2" --output "$3" || code=$?
  [ "$code" -eq 1 ] || fail "a broken provider exited $code, not 1 ($2 run)"
}

"$sim" --listen "127.0.0.1:$port" --fleet "$work/fleet.toml" --log-level warn >"$work/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 100); do
  curl -fsS "http://127.0.0.1:$port/sim/providers" >/dev/null 2>&1 && break
  kill -0 "$sim_pid" 2>/dev/null || { cat "$work/sim.log"; fail "noctua-sim exited"; }
  sleep 0.1
done

# Healthy: exit 0, every format written.
"$noctua" test-providers -c "$work/noctua.toml" >"$work/healthy.txt" || { cat "$work/healthy.txt"; fail "healthy run exited $?"; }
grep -q "PASS" "$work/healthy.txt" || fail "no PASS in the text report"
write_config 1
"$noctua" test-providers -c "$work/noctua.toml" --provider acme --format junit --output "$work/acme.xml" ||
  fail "healthy acme run failed"
python3 - "$work/acme.xml" <<'PY' || fail "acme JUnit"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "testsuites", root.tag
suites = root.findall("testsuite")
assert [s.get("name") for s in suites] == ["acme"], [s.get("name") for s in suites]
cases = [c.get("name") for c in suites[0].findall("testcase")]
assert cases == ["authenticate", "balance", "catalogue", "transaction", "status"], cases
assert root.get("failures") == "0", root.get("failures")
PY

# The day's report and each catalogue are kept under the state directory.
ls "$work/state/reports/"*.json >/dev/null || fail "no report kept"
[ -f "$work/state/catalogue/acme-daily.json" ] || fail "no catalogue kept"

# globaltop's operators all refused, acme's catalogue changed: exit 1.
curl -fsS -X POST "http://127.0.0.1:$port/sim/providers/globaltop/fault" -d '{"kind":"token_failure"}' >/dev/null
curl -fsS -X POST "http://127.0.0.1:$port/sim/providers/acme/fault" -d '{"kind":"catalogue_change"}' >/dev/null
broken_run 3 html "$work/report.html"
# The HTML report in headless Chromium: no console message, both providers shown, the change.
mkdir -p "$artefacts" "$(dirname "$screenshot")"
cp "$work/report.html" "$artefacts/status-report.html"
chrome=(chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run --disable-extensions
        --disable-dev-shm-usage --disable-background-networking --disable-component-update --disable-sync
        "--user-data-dir=$work/chromium" --enable-logging=stderr --v=0 --window-size=1200,1400)
"${chrome[@]}" --dump-dom "file://$work/report.html" >"$work/dom.html" 2>"$work/chrome-dom.log" ||
  fail "chromium --dump-dom: $(tail -5 "$work/chrome-dom.log")"
"${chrome[@]}" "--screenshot=$screenshot" "file://$work/report.html" >/dev/null 2>"$work/chrome-shot.log" ||
  fail "chromium --screenshot: $(tail -5 "$work/chrome-shot.log")"
if grep -h ":CONSOLE(" "$work/chrome-dom.log" "$work/chrome-shot.log"; then fail "console messages"; fi
for p in acme globaltop; do
  grep -q "data-provider=\"$p\"" "$work/dom.html" || fail "provider $p missing from the rendered page"
done
[ "$(stat -c %s "$screenshot")" -gt 10000 ] || fail "no screenshot at $screenshot"

grep -q "(rebranded)" "$work/dom.html" || fail "the renamed operator is missing from the page"
# Without a daemon there is no stream, baseline or alert history: the report says so.
grep -q "runs without a daemon" "$work/dom.html" || fail "the report does not say what it leaves out"

python3 - "$work/state/reports" <<'PY' || fail "catalogue changes in the kept report"
import glob, json, sys
report = json.load(open(sorted(glob.glob(sys.argv[1] + "/*.json"))[-1]))
acme = [p for p in report["providers"] if p["provider"] == "acme"][0]
changes = sorted(c["change"] for c in acme["catalogue_changes"])
assert {"added", "removed", "renamed"} <= set(changes), changes
assert any(c["after"].endswith(" (rebranded)") for c in acme["catalogue_changes"] if c["change"] == "renamed")
assert report["success"] is False
assert report["from_daemon"] is False and "daemon" not in acme, "daemon sections without a daemon"
PY
broken_run 4 junit "$work/broken.xml"
python3 - "$work/broken.xml" <<'PY' || fail "broken JUnit"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
by = {s.get("name"): s for s in root.findall("testsuite")}
assert set(by) == {"acme", "globaltop"}, set(by)
assert by["acme"].get("failures") == "0"
failed = [(c.get("name"), c.find("failure").get("type")) for c in by["globaltop"].findall("testcase") if c.find("failure") is not None]
assert failed == [("authenticate", "status")], failed
skipped = [c.get("name") for c in by["globaltop"].findall("testcase") if c.find("skipped") is not None]
assert skipped == ["balance", "catalogue", "transaction", "status"], skipped
PY
# Inside a daemon the report also carries what the daemon saw in the last 24 h (here: the
# transaction stream), and a summary goes to the configured receivers. Its HTML in Chromium.
{
  echo '[server]'
  echo 'listen = "127.0.0.1:0"'
  echo '[storage]'
  echo "path = \"$work/daemon/noctua.db\""
  echo '[[streams]]'
  echo 'id = "push"'
  echo 'kind = "http"'
  echo 'token_env = "NOCTUA_E2E_PUSH_TOKEN"'
  echo '[[receivers]]'
  echo 'name = "noc-log"'
  echo 'kind = "log"'
  echo '[route]'
  echo 'receiver = "noc-log"'
  echo '[status_reports]'
  echo 'receivers = ["noc-log"]'
  echo 'link_base = "https://noc.example.com"'
  provider acme 34600000005
  provider globaltop 5215512345675
} >"$work/daemon.toml"
mkdir -p "$work/daemon"
NOCTUA_E2E_PUSH_TOKEN=push-secret "$noctua" run -c "$work/daemon.toml" 2>"$work/daemon.log" &
daemon_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$work/daemon.log" && break; sleep 0.1; done
dport=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/daemon.log" | head -1)
[ -n "$dport" ] || { cat "$work/daemon.log"; fail "the daemon did not start"; }
# The last minute (older events would be late for the windows): acme 200 transactions (10
# failed), globaltop 50 (15 failed).
python3 - >"$work/events.ndjson" <<'PY'
import datetime, json
now = datetime.datetime.now(datetime.timezone.utc)
for provider, n, failed in (("acme", 200, 10), ("globaltop", 50, 15)):
    for i in range(n):
        ts = now - datetime.timedelta(seconds=60 * (n - i) / n)
        print(json.dumps({"id": f"{provider}-{i}", "ts": ts.isoformat().replace("+00:00", "Z"), "provider": provider,
                          "status": "failed" if i < failed else "success",
                          "latency_ms": 60 + (i * 37) % 400}))
PY
curl -fsS -X POST -H "Authorization: Bearer push-secret" -H "Content-Type: application/x-ndjson" \
  --data-binary "@$work/events.ndjson" "http://127.0.0.1:$dport/api/v1/events" | grep -q '"accepted":250' ||
  fail "events not accepted"
curl -fsS -X POST "http://127.0.0.1:$dport/api/v1/status-tests/run" >"$work/run.json" || fail "on-demand run"
python3 - "$work/run.json" <<'PY' || fail "the daemon's report"
import json, sys
report = json.load(open(sys.argv[1]))
assert report["from_daemon"] is True
by = {p["provider"]: p["daemon"] for p in report["providers"]}
assert by["acme"]["stream"]["transactions"] == 200, by["acme"]["stream"]
assert abs(by["acme"]["stream"]["success_ratio"] - 0.95) < 1e-9, by["acme"]["stream"]
assert abs(by["globaltop"]["stream"]["success_ratio"] - 0.7) < 1e-9, by["globaltop"]["stream"]
PY
date=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["date"])' "$work/run.json")
for _ in $(seq 100); do grep -q "alertname=StatusReport" "$work/daemon.log" && break; sleep 0.1; done
grep -q "alertname=StatusReport" "$work/daemon.log" || fail "no summary at the receiver: $(tail -5 "$work/daemon.log")"
curl -fsS "http://127.0.0.1:$dport/api/v1/reports/$date?format=html" >"$work/daemon-report.html" ||
  fail "the daemon's HTML report"
cp "$work/daemon-report.html" "$artefacts/status-report-daemon.html"
daemon_shot="$(dirname "$screenshot")/status-report-daemon.png"
"${chrome[@]}" --dump-dom "file://$work/daemon-report.html" >"$work/daemon-dom.html" 2>"$work/chrome-dom2.log" ||
  fail "chromium --dump-dom (daemon): $(tail -5 "$work/chrome-dom2.log")"
"${chrome[@]}" "--screenshot=$daemon_shot" "file://$work/daemon-report.html" >/dev/null 2>"$work/chrome-shot2.log" ||
  fail "chromium --screenshot (daemon): $(tail -5 "$work/chrome-shot2.log")"
if grep -h ":CONSOLE(" "$work/chrome-dom2.log" "$work/chrome-shot2.log"; then fail "console messages (daemon)"; fi
grep -q "Last 24 h" "$work/daemon-dom.html" || fail "no Last 24 h section in the daemon's report"
grep -q "success ratio per hour" "$work/daemon-dom.html" || fail "no success ratio sparkline"
[ "$(stat -c %s "$daemon_shot")" -gt 10000 ] || fail "no screenshot at $daemon_shot"
kill "$daemon_pid"
wait "$daemon_pid" || fail "the daemon did not stop cleanly"
daemon_pid=

echo "ok: healthy exit 0, broken exit 1, JUnit valid, HTML clean in Chromium ($screenshot)"
