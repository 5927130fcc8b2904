# Shared by the end-to-end scripts; source it with NOCTUA set. It gives a scratch directory
# ($dir, removed on exit with every process started here), fail, bounded polling and a daemon
# started on a free loopback port. A script may define on_fail to print more when it fails,
# and add the pids of its own helpers to helper_pids.
dir=$(mktemp -d)
pid=""
helper_pids=()
cleanup() {
    [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
    for p in "${helper_pids[@]}"; do kill -9 "$p" 2>/dev/null; done
    rm -rf "$dir"
}
trap cleanup EXIT
on_fail() { :; }
fail() {
    echo "FAIL: $*"
    if [ -s "$dir/log" ]; then
        echo "--- daemon log:"
        tail -80 "$dir/log"
    fi
    on_fail
    exit 1
}

# wait_for CMD...: runs CMD every 50 ms until it succeeds, at most $wait_tries times (10 s).
wait_tries=200
wait_for() { for _ in $(seq 1 "$wait_tries"); do "$@" && return 0; sleep 0.05; done; return 1; }

# start_daemon CONFIG [ARGS...]: `noctua run -c CONFIG ARGS...` in the background, its log in
# $dir/log; sets pid, port and url once it listens.
start_daemon() {
    local config=$1
    shift
    : > "$dir/log"
    "$NOCTUA" run -c "$config" "$@" 2> "$dir/log" &
    pid=$!
    wait_for grep -q 'listening on' "$dir/log" || fail "daemon did not start"
    port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$dir/log" | head -1)
    [ -n "$port" ] || fail "no port in log"
    url="http://127.0.0.1:$port"
}

# kill9: SIGKILLs the daemon and reaps it.
kill9() { kill -9 "$pid"; wait "$pid" 2>/dev/null; pid=""; }
