#!/usr/bin/env bash
# deploy/systemd/noctua.service as systemd reads it, without a running systemd: the unit is
# copied with ExecStart pointing at the build's noctua (verify checks the binary exists and is
# executable), `systemd-analyze verify` must print nothing at all (it exits 0 on unknown keys
# and bad values, and only warns), the hardening it relies on must be there, and the offline
# security score must stay at 2.0 or better ("OK").
# usage: systemd_unit_test.sh UNIT NOCTUA_BINARY
set -uo pipefail
UNIT=$1
NOCTUA=$2
. "$(dirname "$0")/../support/e2e_lib.sh"

sed "s|^ExecStart=/usr/bin/noctua |ExecStart=$NOCTUA |" "$UNIT" > "$dir/noctua.service"
grep -q "^ExecStart=$NOCTUA run -c /etc/noctua/noctua.toml\$" "$dir/noctua.service" ||
  fail "ExecStart is not /usr/bin/noctua run -c /etc/noctua/noctua.toml"

out=$(cd "$dir" && SYSTEMD_LOG_COLOR=0 systemd-analyze verify --man=no ./noctua.service 2>&1)
code=$?
[ "$code" = 0 ] || fail "systemd-analyze verify exited $code: $out"
[ -z "$out" ] || fail "systemd-analyze verify warns: $out"

for line in 'Type=notify' 'ExecReload=/bin/kill -HUP $MAINPID' 'Restart=on-failure' \
            'DynamicUser=yes' 'StateDirectory=noctua' 'ConfigurationDirectory=noctua' \
            'ProtectSystem=strict' 'ProtectHome=yes' 'PrivateTmp=yes' 'NoNewPrivileges=yes' \
            'CapabilityBoundingSet=' 'SystemCallFilter=@system-service' \
            'MemoryDenyWriteExecute=yes'; do
  grep -qxF "$line" "$UNIT" || fail "missing: $line"
done
for key in RestrictAddressFamilies WatchdogSec LimitNOFILE; do
  grep -q "^$key=." "$UNIT" || fail "missing: $key="
done

# --threshold is in tenths: 20 is an exposure level of 2.0.
out=$(cd "$dir" && systemd-analyze security --offline=yes --threshold=20 ./noctua.service 2>&1)
code=$?
[ "$code" = 0 ] || fail "exposure above 2.0: $(echo "$out" | tail -1)"
echo "ok: $(echo "$out" | tail -1)"
