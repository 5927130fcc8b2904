#!/usr/bin/env bash
# The .deb as `make package` builds it, from this build's binaries (stripped): control fields
# (Depends from dpkg-shlibdeps, satisfiable here), contents and their modes, conffiles, the
# maintainer scripts, and the unpacked tree itself: the binaries run, the shipped
# configuration (and its commented example) passes `noctua check`, the installed unit passes
# systemd-analyze, the man pages are there.
# usage: package_test.sh BUILD_DIR SOURCE_DIR
set -uo pipefail
BUILD=$1
SRC=$2
. "$(dirname "$0")/../support/e2e_lib.sh"

# Staging and output in a directory of our own, so other tests of this build are not touched.
cpack -G DEB --config "$BUILD/CPackConfig.cmake" -B "$dir/out" > "$dir/cpack.log" 2>&1 ||
  { cat "$dir/cpack.log"; fail "cpack failed"; }
deb=$(ls "$dir"/out/noctua_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || { cat "$dir/cpack.log"; fail "no noctua_*.deb"; }
echo "built $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB)"

# ---- control fields
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = noctua ] || fail "Package: $(field Package)"
[ "$(field Architecture)" = "$(dpkg --print-architecture)" ] || fail "Architecture: $(field Architecture)"
version=$(grep -m1 -oP 'project\(noctua VERSION \K[0-9.]+' "$SRC/CMakeLists.txt")
[ "$(field Version)" = "$version" ] || fail "Version: $(field Version), want $version"
changelog=$(dpkg-parsechangelog -l "$SRC/deploy/debian/changelog" -S Version)
[ "$changelog" = "$version" ] || fail "deploy/debian/changelog is at $changelog, the project at $version"
for f in Maintainer Description Section Priority Installed-Size; do
  [ -n "$(field "$f")" ] || fail "no $f field"
done
depends=$(field Depends)
echo "Depends: $depends"
# Every library the binaries link, found by dpkg-shlibdeps, plus tzdata; jemalloc when this
# build links it (not under a sanitizer, which brings its own allocator).
jemalloc=
if readelf -d "$BUILD/bin/noctua" | grep -q 'NEEDED.*libjemalloc'; then jemalloc=libjemalloc2; fi
for pkg in libc6 'libstdc\+\+6' libcurl4 libssl3 librdkafka1 libsqlite3-0 libsystemd0 $jemalloc \
           libre2-9 libsimdjson14 'libspdlog1\.10(-fmt9)?' libfmt9 'libprometheus-cpp-core1\.0' tzdata; do
  echo "$depends" | grep -qE "(^|, )$pkg( |,|$)" || fail "Depends lacks $pkg"
done
# Each dependency is satisfiable on this Debian (bookworm) system: name (op version).
IFS=',' read -ra deps <<< "$depends"
for d in "${deps[@]}"; do
  d=$(echo "$d" | sed 's/^ *//; s/ *$//')
  name=${d%% *}
  installed=$(dpkg-query -W -f='${Version}' "$name" 2>/dev/null) || fail "$name is not a package here"
  if [[ "$d" =~ \((\>=|\<=|=|\>\>|\<\<)\ ([^\)]+)\) ]]; then
    op=${BASH_REMATCH[1]}
    case $op in '>=') op=ge ;; '<=') op=le ;; '=') op=eq ;; '>>') op=gt ;; '<<') op=lt ;; esac
    dpkg --compare-versions "$installed" "$op" "${BASH_REMATCH[2]}" ||
      fail "$d is not met by the installed $installed"
  fi
done

# ---- contents
dpkg-deb -c "$deb" > "$dir/contents"
for path in ./usr/bin/noctua ./usr/bin/noctua-sim ./etc/noctua/noctua.toml \
            ./lib/systemd/system/noctua.service \
            ./usr/share/noctua/dashboards/noc-overview.json \
            ./usr/share/noctua/dashboards/provider-detail.json \
            ./usr/share/noctua/dashboards/noctua-self.json \
            ./usr/share/noctua/dashboards/provisioning/dashboards/noctua.yaml \
            ./usr/share/noctua/dashboards/provisioning/datasources/noctua.yaml \
            ./usr/share/noctua/prometheus/prometheus.yml \
            ./usr/share/noctua/prometheus/noctua-alerts.rules.yml \
            ./usr/share/noctua/prometheus/noctua-recording.rules.yml \
            ./usr/share/doc/noctua/copyright ./usr/share/doc/noctua/changelog.gz \
            ./usr/share/doc/noctua/README.md \
            ./usr/share/doc/noctua/operations.md ./usr/share/doc/noctua/configuration.md \
            ./usr/share/doc/noctua/examples/minimal.toml \
            ./usr/share/man/man1/noctua.1.gz ./usr/share/man/man1/noctua-sim.1.gz; do
  grep -qE " $path\$" "$dir/contents" || fail "the package lacks $path"
done
# Owned by root, nothing setuid/setgid or world-writable, binaries 0755, the rest 0644.
awk '$2 != "root/root" {print}' "$dir/contents" | grep . && fail "files not owned by root/root"
awk '$1 ~ /^-/ && ($1 ~ /[sS]/ || substr($1, 9, 1) == "w") {print}' "$dir/contents" | grep . &&
  fail "setuid, setgid or world-writable files"
grep -E ' \./usr/bin/noctua(-sim)?$' "$dir/contents" | grep -qv '^-rwxr-xr-x' && fail "binaries not 0755"
awk '$1 ~ /^-/ && $NF !~ /^\.\/usr\/bin\// && $1 != "-rw-r--r--" {print}' "$dir/contents" | grep . &&
  fail "data files not 0644"
# Nothing from the build tree or the tests.
grep -E 'build-|_tests$|\.o$|CMakeFiles' "$dir/contents" && fail "build artefacts in the package"

# ---- control area: conffiles, maintainer scripts
dpkg-deb -e "$deb" "$dir/control"
[ "$(cat "$dir/control/conffiles")" = /etc/noctua/noctua.toml ] ||
  fail "conffiles: $(cat "$dir/control/conffiles")"
[ -s "$dir/control/md5sums" ] || fail "no md5sums"
for s in postinst prerm postrm; do
  f="$dir/control/$s"
  [ -x "$f" ] || fail "$s is missing or not executable"
  sh -n "$f" || fail "$s: syntax error"
  # No account, directory, permission or file is created by a script: systemd makes them.
  grep -vE '^\s*#' "$f" | grep -E 'useradd|adduser|groupadd|mkdir|chmod|chown|install |>[^/&]|rm ' &&
    fail "$s creates or changes files or accounts"
  # Run with systemctl, deb-systemd-helper and deb-systemd-invoke stubbed: exit 0 for every dpkg action.
  for action in configure remove purge upgrade abort-upgrade; do
    mkdir -p "$dir/stub"
    for tool in systemctl deb-systemd-helper deb-systemd-invoke; do
      printf '#!/bin/sh\necho "$0 $*" >> %s/calls\n' "$dir" > "$dir/stub/$tool"
      chmod +x "$dir/stub/$tool"
    done
    PATH="$dir/stub:$PATH" sh "$f" "$action" 0.0.1 || fail "$s $action exited non-zero"
  done
  # The package never enables or starts the service: the operator does, after configuring it.
  grep -E ' (enable|start|restart|reenable)( |$)' "$dir/calls" 2>/dev/null && fail "$s enables or starts noctua"
done
# What debhelper's scripts do for a unit that is not enabled on install (this container runs no
# systemd, so nothing is reloaded, stopped or restarted here).
for call in "deb-systemd-helper unmask noctua.service" "deb-systemd-helper update-state noctua.service" \
            "deb-systemd-helper mask noctua.service" "deb-systemd-helper purge noctua.service"; do
  grep -q "/$call\$" "$dir/calls" || fail "no '$call' from the maintainer scripts: $(cat "$dir/calls")"
done

# ---- the unpacked tree
dpkg-deb -x "$deb" "$dir/root"
readelf -S "$dir/root/usr/bin/noctua" | grep -q '\.debug_info' && fail "noctua is not stripped"
"$dir/root/usr/bin/noctua" --version | grep -qx "noctua $version" || fail "noctua --version"
"$dir/root/usr/bin/noctua-sim" --version | grep -q "$version" || fail "noctua-sim --version"
"$dir/root/usr/bin/noctua" check -c "$dir/root/etc/noctua/noctua.toml" ||
  fail "the shipped /etc/noctua/noctua.toml does not pass noctua check"
# Its commented example, uncommented (the secret's file made here), is valid too.
echo "https://chat.example/hooks/noc" > "$dir/oncall-url"
awk '/^# \[\[providers\]\]/ {on = 1} on {sub(/^# ?/, ""); if ($0 ~ /^# /) next} {print}' \
  "$dir/root/etc/noctua/noctua.toml" |
  sed "s|/run/credentials/noctua.service/oncall-url|$dir/oncall-url|" > "$dir/example.toml"
grep -q '^\[route\]' "$dir/example.toml" || fail "no commented example found"
"$dir/root/usr/bin/noctua" check -c "$dir/example.toml" ||
  fail "the commented example in noctua.toml does not pass noctua check"
bash "$SRC/tests/service/systemd_unit_test.sh" "$dir/root/lib/systemd/system/noctua.service" \
  "$dir/root/usr/bin/noctua" || fail "the installed unit"
for page in noctua noctua-sim; do
  zcat "$dir/root/usr/share/man/man1/$page.1.gz" > "$dir/$page.1"
  grep -q '^\.SH SYNOPSIS\|^\.SH DESCRIPTION' "$dir/$page.1" || fail "$page.1 has no DESCRIPTION"
done
for section in FILES SIGNALS ENVIRONMENT '"COMMAND RUN"' '"COMMAND CHECK"'; do
  grep -q "^\.SH $section" "$dir/noctua.1" || fail "noctua.1 has no $section section"
done
echo "ok: $(grep -c . "$dir/contents") entries, conffiles, scripts, unit and man pages"
