#!/usr/bin/env bash
# noctua ack, alerts and silence as clients of a real daemon (loopback, port 0, admin token):
# an alert pushed through POST /api/v2/alerts pages the route's receiver, escalates to the
# chain's next receiver, is acknowledged from the CLI (refused without the token, 404 for an
# unknown fingerprint), and the ack survives kill -9. Silences are added, listed and expired.
# Bounded polling; loopback only.
set -uo pipefail
NOCTUA=$1
. "$(dirname "$0")/../support/e2e_lib.sh"
wait_tries=500
logged() { grep -q "$1" "$dir/log"; }

export NOCTUA_TEST_TOKEN="s3cret-token"
cat > "$dir/noctua.toml" <<TOML
[server]
listen = "127.0.0.1:0"
admin_token_env = "NOCTUA_TEST_TOKEN"
[[receivers]]
name = "noc"
kind = "log"
[[receivers]]
name = "oncall"
kind = "log"
[[escalations]]
name = "chain"
steps = [{ after = "1s", receiver = "oncall" }]
[route]
receiver = "noc"
group_by = ["provider"]
group_wait = "0s"
group_interval = "1s"
escalation = "chain"
[storage]
path = "$dir/state.db"
TOML

start() { start_daemon "$dir/noctua.toml"; }

start
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
later=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)
curl -fsS -X POST -H "Authorization: Bearer $NOCTUA_TEST_TOKEN" "$url/api/v2/alerts" \
    -d "[{\"labels\":{\"alertname\":\"TrafficDrop\",\"provider\":\"acme\"},\"startsAt\":\"$now\",\"endsAt\":\"$later\"}]" \
    >/dev/null || fail "pushing the alert"
wait_for logged 'ALERT firing receiver=noc alertname=TrafficDrop' || fail "the route's receiver was not paged"
# The rule tick (10 s) takes the escalation step once it is due.
for _ in $(seq 1 30); do logged 'ALERT firing receiver=oncall alertname=TrafficDrop' && break; sleep 1; done
logged 'ALERT firing receiver=oncall alertname=TrafficDrop' || fail "no escalation to oncall"

# The listing names the fingerprint to acknowledge.
"$NOCTUA" alerts --url "$url" > "$dir/alerts" || fail "noctua alerts failed"
fp=$(awk -F'\t' '$2 == "TrafficDrop" { print $1 }' "$dir/alerts")
[ ${#fp} = 16 ] || fail "no fingerprint in: $(cat "$dir/alerts")"

# Without the token: refused, non-zero, and says what to do.
env -u NOCTUA_ADMIN_TOKEN "$NOCTUA" ack "$fp" --url "$url" --author alice 2> "$dir/err"
code=$?
[ "$code" = 1 ] || fail "ack without a token exited $code"
grep -q '401' "$dir/err" && grep -q 'NOCTUA_ADMIN_TOKEN' "$dir/err" || fail "unclear 401: $(cat "$dir/err")"

# An unknown fingerprint is a clear 404.
NOCTUA_ADMIN_TOKEN=$NOCTUA_TEST_TOKEN "$NOCTUA" ack 0123456789abcdef --url "$url" --author alice 2> "$dir/err"
code=$?
[ "$code" = 1 ] || fail "ack of an unknown fingerprint exited $code"
grep -q '404: no firing alert has fingerprint "0123456789abcdef"' "$dir/err" || fail "unclear 404: $(cat "$dir/err")"

# The token from a file (never on the command line).
printf '%s\n' "$NOCTUA_TEST_TOKEN" > "$dir/token"
"$NOCTUA" ack "$fp" --url "$url" --token-file "$dir/token" --author alice --comment "on it" \
    > "$dir/out" || fail "ack failed: $(cat "$dir/out")"
grep -q "acknowledged $fp by alice" "$dir/out" || fail "ack said: $(cat "$dir/out")"
wait_for logged 'ALERT acknowledged receiver=noc alertname=TrafficDrop.*by="alice" comment="on it"' ||
    fail "the route's receiver was not told of the ack"
wait_for logged 'ALERT acknowledged receiver=oncall' || fail "the escalated receiver was not told of the ack"
"$NOCTUA" alerts --url "$url" | grep -q "^$fp	TrafficDrop	.*	alice	" || fail "the listing does not show the ack"

# The ack was on disk when the CLI returned: kill -9 and restart keep it, and nobody is paged
# again for it. A second provider's alert, pushed after the restart, escalates on a rule tick:
# by then any repeated page or escalation of the acknowledged one would have gone out too.
kill9
start
curl -fsS "$url/api/v1/alerts" | grep -q '"ack":{"by":"alice","comment":"on it"' ||
    fail "the ack did not survive kill -9: $(curl -fsS "$url/api/v1/alerts")"
curl -fsS -X POST -H "Authorization: Bearer $NOCTUA_TEST_TOKEN" "$url/api/v2/alerts" \
    -d "[{\"labels\":{\"alertname\":\"TrafficDrop\",\"provider\":\"zeta\"},\"startsAt\":\"$now\",\"endsAt\":\"$later\"}]" \
    >/dev/null || fail "pushing the second alert"
for _ in $(seq 1 30); do logged 'ALERT firing receiver=oncall .*provider="zeta"' && break; sleep 1; done
logged 'ALERT firing receiver=oncall .*provider="zeta"' || fail "no escalation of the second alert"
! logged 'ALERT firing .*provider="acme"' || fail "the acknowledged alert was paged again after the restart"

# Silences: add (matchers checked locally first), list, expire.
export NOCTUA_ADMIN_TOKEN=$NOCTUA_TEST_TOKEN
"$NOCTUA" silence add 'provider=acme' 'alertname=~Traffic.*' --duration 2h --author bob \
    --comment "acme maintenance" --url "$url" > "$dir/id" || fail "silence add failed"
id=$(cat "$dir/id")
[ -n "$id" ] || fail "no silence id"
"$NOCTUA" silence list --url "$url" > "$dir/list" || fail "silence list failed"
grep -q "^$id	active	.*provider=\"acme\".*alertname=~\"Traffic.\*\".*	bob	acme maintenance$" "$dir/list" ||
    fail "the listing: $(cat "$dir/list")"
"$NOCTUA" silence add 'provider=~(' --duration 1h --author bob --url "$url" 2> "$dir/err"
[ $? = 2 ] || fail "a bad matcher was not a usage error"
"$NOCTUA" silence add 'provider=acme' --author bob --url "$url" 2> "$dir/err"
[ $? = 2 ] && grep -q -- '--duration or --end' "$dir/err" || fail "a silence without an end was accepted"
"$NOCTUA" silence expire "$id" --url "$url" > /dev/null || fail "silence expire failed"
"$NOCTUA" silence list --url "$url" | grep -q "^$id	expired	" || fail "the silence did not expire"
"$NOCTUA" silence expire nosuchsilence --url "$url" 2> "$dir/err"
[ $? = 1 ] && grep -q '404' "$dir/err" || fail "expiring an unknown silence: $(cat "$dir/err")"

# An unreachable daemon is a clear error too.
kill -TERM "$pid"; wait "$pid"; pid=""
"$NOCTUA" alerts --url "$url" 2> "$dir/err"
[ $? = 1 ] && grep -q 'cannot reach the daemon' "$dir/err" || fail "unreachable: $(cat "$dir/err")"
echo "ack and silence end to end OK"
