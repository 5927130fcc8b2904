#!/usr/bin/env bash
# config/examples/production.toml as an operator installs it: copied beside a secrets/
# directory, with the environment its service unit provides, it passes `noctua check`; without
# a secret it is refused with the secret's source named and its value nowhere in the output.
set -uo pipefail
NOCTUA=$1
EXAMPLE=$2
. "$(dirname "$0")/../support/e2e_lib.sh"

mkdir -p "$dir/secrets"
cp "$EXAMPLE" "$dir/noctua.toml"
for s in admin-token reloadly-client-secret acme-token ingest-token; do
  printf 'secret-value-%s\n' "$s" > "$dir/secrets/$s"
done
printf 'https://hooks.slack.com/services/T000/B000/secret-value-slack\n' > "$dir/secrets/slack-webhook-url"
chmod 600 "$dir"/secrets/*
export RELOADLY_CLIENT_ID=noc-client
export NOCTUA_PD_ROUTING_KEY=secret-value-pagerduty-key-0123

out=$("$NOCTUA" check -c "$dir/noctua.toml" 2>&1); code=$?
[ "$code" = 0 ] || fail "noctua check exited $code: $out"
echo "$out" | grep -q "config OK: 3 providers, 5 probes, 12 rules, 2 receivers" || fail "summary: $out"
echo "$out" | grep -q "secret-value" && fail "a secret in the output: $out"

# Without the PagerDuty key's variable and the Slack URL's file: both named, exit 2.
rm "$dir/secrets/slack-webhook-url"
out=$(env -u NOCTUA_PD_ROUTING_KEY "$NOCTUA" check -c "$dir/noctua.toml" 2>&1); code=$?
[ "$code" = 2 ] || fail "check without secrets exited $code, want 2: $out"
echo "$out" | grep -q "NOCTUA_PD_ROUTING_KEY" || fail "the missing variable is not named: $out"
echo "$out" | grep -q "slack-webhook-url" || fail "the missing file is not named: $out"
echo "$out" | grep -q "secret-value" && fail "a secret in the output: $out"
echo "OK"
