#!/usr/bin/env python3
"""The sd_notify protocol as systemd sees it from `noctua run` (Type=notify, WatchdogSec=).

Creates the AF_UNIX datagram socket systemd would, starts the real daemon on 127.0.0.1:0 with
NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID (its own pid, through `exec`), and checks the
messages across start, SIGHUP (a valid and an invalid file) and SIGTERM. Every wait blocks on
the socket with a timeout; nothing sleeps.

usage: sd_notify_e2e.py NOCTUA_BINARY
"""
import ctypes
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

WATCHDOG_USEC = 200_000  # pings expected every 100 ms
TIMEOUT = 20.0

GOOD = """
[server]
listen = "127.0.0.1:0"
[[providers]]
id = "acme"
base_url = "http://127.0.0.1:9"
[[probes]]
id = "acme-heartbeat"
provider = "acme"
kind = "heartbeat"
interval = "1h"
token_env = "NOCTUA_E2E_HEARTBEAT_TOKEN"
"""

SILENT_RECEIVER = """
[server]
listen = "127.0.0.1:0"
shutdown_timeout = "2s"
[[receivers]]
name = "silent"
kind = "webhook"
url = "http://127.0.0.1:{port}/hook"
timeout = "30s"
[route]
receiver = "silent"
group_wait = "0s"
"""


def fail(msg, log_path=None):
    print(f"FAIL: {msg}")
    if log_path and os.path.exists(log_path):
        print("--- daemon log:")
        print(open(log_path, encoding="utf-8", errors="replace").read())
    sys.exit(1)


def deny_write_execute():
    """What MemoryDenyWriteExecute=yes enforces, through the kernel's PR_SET_MDWE (Linux 6.3+;
    kept across exec): the daemon must run without writable executable memory."""
    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_mdwe, pr_mdwe_refuse_exec_gain = 65, 1
    libc.prctl(pr_set_mdwe, pr_mdwe_refuse_exec_gain, 0, 0, 0)


def mdwe_supported():
    r = subprocess.run([sys.executable, "-c", "import mmap; mmap.mmap(-1, 4096, "
                        "prot=mmap.PROT_WRITE | mmap.PROT_EXEC)"],
                       preexec_fn=deny_write_execute, capture_output=True, check=False)
    return r.returncode != 0


def parse(datagram):
    fields = {}
    for line in datagram.decode().split("\n"):
        if line:
            key, _, value = line.partition("=")
            fields[key] = value
    return fields


def kill(proc):
    """Kills `proc` unless it has exited, and reaps it."""
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def main():
    noctua = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        cfg = os.path.join(tmp, "noctua.toml")
        log = os.path.join(tmp, "log")
        with open(cfg, "w", encoding="utf-8") as f:
            f.write(GOOD)
        sock_path = os.path.join(tmp, "notify")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(sock_path)
        env = dict(os.environ, NOTIFY_SOCKET=sock_path, WATCHDOG_USEC=str(WATCHDOG_USEC),
                   NOCTUA_E2E_HEARTBEAT_TOKEN="e2e-token")
        env.pop("WATCHDOG_PID", None)
        # `exec` keeps the shell's pid, so WATCHDOG_PID names the daemon as systemd would.
        mdwe = mdwe_supported()
        print("running under PR_SET_MDWE (MemoryDenyWriteExecute)" if mdwe
              else "this kernel has no PR_SET_MDWE; running without it")
        proc = subprocess.Popen(
            ["sh", "-c", 'WATCHDOG_PID=$$ exec "$0" run -c "$1"', noctua, cfg],
            env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT,
            preexec_fn=deny_write_execute if mdwe else None)
        watchdog_times = []

        def next_message(what):
            """The next message other than WATCHDOG=1 (those are recorded)."""
            deadline = time.monotonic() + TIMEOUT
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    fail(f"no {what} within {TIMEOUT} s", log)
                sock.settimeout(left)
                try:
                    data = sock.recv(4096)
                except socket.timeout:
                    fail(f"no {what} within {TIMEOUT} s (exit code {proc.poll()})", log)
                fields = parse(data)
                if fields == {"WATCHDOG": "1"}:
                    watchdog_times.append(time.monotonic())
                    continue
                if "WATCHDOG" in fields:
                    fail(f"WATCHDOG=1 mixed with other fields: {fields}", log)
                return fields

        def expect_ready(status_prefix):
            m = next_message("READY=1")
            if m.get("READY") != "1":
                fail(f"want READY=1, got {m}", log)
            if not m.get("STATUS", "").startswith(status_prefix):
                fail(f"READY=1 with STATUS={m.get('STATUS')!r}, want it to start with {status_prefix!r}", log)

        def expect_reloading():
            m = next_message("RELOADING=1")
            if m.get("RELOADING") != "1":
                fail(f"want RELOADING=1, got {m}", log)
            usec = int(m.get("MONOTONIC_USEC", "0"))
            now = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
            if not 0 < usec <= now:
                fail(f"RELOADING=1 with MONOTONIC_USEC={usec}, monotonic now {now}", log)

        def expect_nothing_after_stopping(pings_allowed):
            """Nothing follows STOPPING=1 but, when allowed, pings sent before the drain ended."""
            sock.settimeout(0)
            try:
                while True:
                    m = parse(sock.recv(4096))
                    if not (pings_allowed and m == {"WATCHDOG": "1"}):
                        fail(f"after STOPPING=1, got {m}", log)
            except BlockingIOError:
                pass

        try:
            # Start: READY=1 once listening with the configuration loaded.
            expect_ready("running: ")
            # The watchdog pings keep coming while the daemon idles.
            while len(watchdog_times) < 3:
                sock.settimeout(TIMEOUT)
                try:
                    m = parse(sock.recv(4096))
                except socket.timeout:
                    fail(f"only {len(watchdog_times)} WATCHDOG=1 within {TIMEOUT} s", log)
                if m != {"WATCHDOG": "1"}:
                    fail(f"while idle, want WATCHDOG=1, got {m}", log)
                watchdog_times.append(time.monotonic())

            # SIGHUP with a valid file: RELOADING=1, then READY=1 with the new summary.
            proc.send_signal(signal.SIGHUP)
            expect_reloading()
            expect_ready("running: ")

            # SIGHUP with an invalid file: the old configuration keeps running, and says so.
            with open(cfg, "a", encoding="utf-8") as f:
                f.write('[[probes]]\nid = "broken"\nprovider = "nope"\n')
            proc.send_signal(signal.SIGHUP)
            expect_reloading()
            expect_ready("reload rejected")

            # SIGTERM: STOPPING=1 and a clean exit.
            proc.send_signal(signal.SIGTERM)
            m = next_message("STOPPING=1")
            if m.get("STOPPING") != "1" or "STATUS" not in m:
                fail(f"want STOPPING=1 with a STATUS, got {m}", log)
            try:
                code = proc.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                fail("the daemon did not exit after SIGTERM", log)
            if code != 0:
                fail(f"exit code {code} after SIGTERM, want 0", log)
            expect_nothing_after_stopping(pings_allowed=True)
        finally:
            kill(proc)

        # The pings' period is half of WATCHDOG_USEC (receipt times would measure the load).
        if "WATCHDOG=1 every 100 ms" not in open(log, encoding="utf-8").read():
            fail("the daemon does not log pinging every 100 ms (half of WATCHDOG_USEC)", log)

        # A WATCHDOG_PID naming another process: the daemon must not ping (the variable was
        # meant for a different process), but still notifies the rest. And a stop that begins
        # while a reload is under way, with a notification in flight to a receiver that never
        # answers (so the stop drains for shutdown_timeout while the reload completes): no
        # READY=1 may follow STOPPING=1.
        env["WATCHDOG_PID"] = "1"
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        with open(cfg, "w", encoding="utf-8") as f:
            f.write(SILENT_RECEIVER.format(port=silent.getsockname()[1]))
        proc = subprocess.Popen([noctua, "run", "-c", cfg], env=env, stdout=open(log, "w"),
                                stderr=subprocess.STDOUT)
        watchdog_times.clear()
        held = None
        try:
            expect_ready("running: ")
            match = re.search(r"listening on http://127\.0\.0\.1:(\d+)",
                              open(log, encoding="utf-8").read())
            if not match:
                fail("no listening port in the log", log)
            body = json.dumps([{"labels": {"alertname": "NotifyTest"}}]).encode()
            request = urllib.request.Request(
                f"http://127.0.0.1:{match.group(1)}/api/v2/alerts", data=body,
                headers={"Content-Type": "application/json"}, method="POST")
            urllib.request.urlopen(request, timeout=TIMEOUT).read()
            silent.settimeout(TIMEOUT)
            try:
                held, _ = silent.accept()  # the delivery is in flight, and never answered
            except socket.timeout:
                fail("the notification did not reach the receiver", log)
            # A file that takes a while to load, so the stop begins before the reload ends.
            with open(cfg, "a", encoding="utf-8") as f:
                for i in range(5000):
                    f.write(f'[[providers]]\nid = "p{i}"\nbase_url = "http://127.0.0.1:9"\n')
            proc.send_signal(signal.SIGHUP)
            proc.send_signal(signal.SIGTERM)
            # Two signals sent back to back may be taken in either order: the reload may start
            # first (RELOADING=1, perhaps READY=1, then STOPPING=1), or the stop wins outright.
            reloading = False
            while True:
                m = next_message("STOPPING=1")
                if m.get("STOPPING") == "1":
                    break
                if m.get("RELOADING") == "1" and not reloading:
                    reloading = True
                    continue
                if not reloading or m.get("READY") != "1":
                    fail(f"before STOPPING=1, got {m}", log)
            if proc.wait(timeout=TIMEOUT) != 0:
                fail(f"exit code {proc.returncode} after SIGHUP and SIGTERM, want 0", log)
            expect_nothing_after_stopping(pings_allowed=False)
        finally:
            kill(proc)
            silent.close()
            if held is not None:
                held.close()
        if watchdog_times:
            fail(f"{len(watchdog_times)} WATCHDOG=1 with WATCHDOG_PID naming another process")
    print("ok: READY, WATCHDOG, RELOADING (+MONOTONIC_USEC), READY, STOPPING")


if __name__ == "__main__":
    main()
