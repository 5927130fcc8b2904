#!/usr/bin/env python3
"""bench/probes: Noctua's HTTP probes against a local nginx, compared in the same run with
Debian's prometheus-blackbox-exporter driven at the same rate through /probe, and nginx's own
cost as the floor. Prints the figures and the ratios; see bench/README.md.

Usage: bench.py --noctua BIN --load-gen BIN [--rate 500] [--probes 500] [--seconds 20]
                [--runs 3] [--high-rate 5000]
Everything listens on 127.0.0.1 (ephemeral ports chosen here); only processes started here
are stopped, by pid.
"""
import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

TICK = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    """utime + stime of pid (and of its threads), from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode()


def wait_http(url, deadline_s=20):
    end = time.time() + deadline_s
    while time.time() < end:
        try:
            get(url, 1)
            return
        except Exception:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def start_nginx(tmp):
    port = free_port()
    conf = os.path.join(tmp, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""
daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 8192; }}
http {{
  access_log off;
  client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fcgi; uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
  keepalive_requests 100000;
  server {{
    listen 127.0.0.1:{port} backlog=4096;
    location / {{ default_type application/json; return 200 '{{"status":"ok","balance":5000.23}}'; }}
  }}
}}
""")
    proc = subprocess.Popen(["nginx", "-c", conf, "-p", tmp], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_http(f"http://127.0.0.1:{port}/")
    return proc, port


def nginx_cpu(proc):
    return cpu_seconds(proc.pid) + sum(cpu_seconds(c) for c in children(proc.pid))


def metric_sum(text, name):
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            total += float(line.rsplit(" ", 1)[1])
    return total


def lateness_buckets(text):
    out = {}
    for line in text.splitlines():
        m = re.match(r'noctua_probe_schedule_lateness_seconds_bucket\{le="([^"]+)"\} (\S+)', line)
        if m:
            out[float("inf") if m.group(1) == "+Inf" else float(m.group(1))] = float(m.group(2))
    return out


def p99_bound(before, after):
    """Upper bound of the bucket holding the 99th percentile of the observations in between."""
    delta = {le: after[le] - before.get(le, 0) for le in after}
    total = delta.get(float("inf"), 0)
    if total <= 0:
        return float("nan")
    for le in sorted(delta):
        if delta[le] >= 0.99 * total:
            return le
    return float("inf")


def run_noctua(args, tmp, nginx, nginx_port, probes, rate):
    # jitter 1 ms: first runs spread over the interval, then one run per interval per probe.
    interval = probes / rate
    listen = free_port()
    cfg = os.path.join(tmp, f"noctua-{probes}.toml")
    ms = int(interval * 1000)
    with open(cfg, "w") as f:
        f.write(f'[logging]\nlevel = "warn"\n[server]\nlisten = "127.0.0.1:{listen}"\n')
        f.write(f'[[providers]]\nid = "nginx"\nbase_url = "http://127.0.0.1:{nginx_port}"\n')
        for i in range(probes):
            f.write(f'[[probes]]\nid = "p{i}"\nprovider = "nginx"\npath = "/balance/{i}"\n'
                    f'interval = "{ms}ms"\ntimeout = "{min(ms, 5000) - 1}ms"\njitter = "1ms"\n'
                    'expect = ["status == 200", "body.balance > 0"]\nextract = { balance = "body.balance" }\n')
    proc = subprocess.Popen([args.noctua, "run", "-c", cfg], stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "noctua.log"), "w"))
    try:
        base = f"http://127.0.0.1:{listen}"
        wait_http(base + "/readyz")
        time.sleep(max(3.0, 2 * interval))  # first (jittered) round done, caches warm
        m0 = get(base + "/metrics")
        c0, n0, t0 = cpu_seconds(proc.pid), nginx_cpu(nginx), time.time()
        time.sleep(args.seconds)
        m1 = get(base + "/metrics")
        c1, n1, t1 = cpu_seconds(proc.pid), nginx_cpu(nginx), time.time()
        runs = metric_sum(m1, "noctua_probe_runs_total") - metric_sum(m0, "noctua_probe_runs_total")
        failures = metric_sum(m1, "noctua_probe_failures_total") - metric_sum(m0, "noctua_probe_failures_total")
        skipped = metric_sum(m1, "noctua_probe_skipped_total") - metric_sum(m0, "noctua_probe_skipped_total")
        return {
            "probes": probes, "target_rate": rate, "rate": runs / (t1 - t0), "runs": runs,
            "failures": failures, "skipped": skipped,
            "cpu_ms_per_probe": (c1 - c0) * 1000 / max(runs, 1),
            "cpu_s_per_1000": (c1 - c0) * 1000 / max(runs, 1),
            "nginx_cpu_ms_per_request": (n1 - n0) * 1000 / max(runs, 1),
            "cpu_cores": (c1 - c0) / (t1 - t0),
            "lateness_p99_ms": p99_bound(lateness_buckets(m0), lateness_buckets(m1)) * 1000,
            "rss_mb": rss_mb(proc.pid),
        }
    finally:
        stop(proc)


def run_blackbox(args, tmp, nginx, nginx_port, rate):
    port = free_port()
    cfg = os.path.join(tmp, "blackbox.yml")
    with open(cfg, "w") as f:
        f.write("modules:\n  http_2xx:\n    prober: http\n    timeout: 5s\n    http:\n"
                "      preferred_ip_protocol: ip4\n      valid_status_codes: [200]\n"
                "      fail_if_body_not_matches_regexp: ['\"balance\"']\n")
    exe = "prometheus-blackbox-exporter"
    proc = subprocess.Popen([exe, f"--config.file={cfg}", f"--web.listen-address=127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        target = f"http://127.0.0.1:{port}/probe?module=http_2xx&target=http://127.0.0.1:{nginx_port}/balance"
        wait_http(f"http://127.0.0.1:{port}/metrics")
        # Warm up, then measure a window of the same length as Noctua's.
        subprocess.run([args.load_gen, target, str(rate), "3"], stdout=subprocess.DEVNULL, check=False)
        c0, n0 = cpu_seconds(proc.pid), nginx_cpu(nginx)
        gen = subprocess.Popen([args.load_gen, target, str(rate), str(args.seconds)], stdout=subprocess.PIPE)
        out, _ = gen.communicate()
        c1, n1 = cpu_seconds(proc.pid), nginx_cpu(nginx)
        res = json.loads(out.decode().strip().splitlines()[-1])
        done = max(res["ok"] + res["failed"], 1)
        return {
            "target_rate": rate, "rate": done / res["elapsed_s"], "ok": res["ok"], "failed": res["failed"],
            "dropped": res["dropped"], "cpu_ms_per_probe": (c1 - c0) * 1000 / done,
            "nginx_cpu_ms_per_request": (n1 - n0) * 1000 / done, "rss_mb": rss_mb(proc.pid),
        }
    finally:
        stop(proc)


def median(rows, key):
    vals = [r[key] for r in rows if r.get(key) == r.get(key)]
    return statistics.median(vals) if vals else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--noctua", required=True)
    ap.add_argument("--load-gen", required=True)
    ap.add_argument("--rate", type=float, default=500)
    ap.add_argument("--probes", type=int, default=500)
    ap.add_argument("--high-rate", type=float, default=5000)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="noctua-bench-") as tmp:
        nginx, nginx_port = start_nginx(tmp)
        try:
            same, bb, high = [], [], []
            for i in range(args.runs):
                same.append(run_noctua(args, tmp, nginx, nginx_port, args.probes, args.rate))
                bb.append(run_blackbox(args, tmp, nginx, nginx_port, args.rate))
                high.append(run_noctua(args, tmp, nginx, nginx_port, int(args.high_rate), args.high_rate))
                print(json.dumps({"run": i + 1, "noctua": same[-1], "blackbox": bb[-1], "noctua_high": high[-1]}), flush=True)
        finally:
            stop(nginx)
    n_cpu, b_cpu = median(same, "cpu_ms_per_probe"), median(bb, "cpu_ms_per_probe")
    floor = median(same, "nginx_cpu_ms_per_request")
    print()
    print(f"medians of {args.runs} runs, {args.seconds:.0f} s windows, nginx-light on 127.0.0.1, fresh connection per probe")
    print(f"  rate {args.rate:.0f}/s ({args.probes} probes):")
    print(f"    noctua          {n_cpu:.3f} ms CPU/probe = {n_cpu:.2f} CPU s per 1000 probes, rate {median(same, 'rate'):.0f}/s, "
          f"p99 lateness <= {median(same, 'lateness_p99_ms'):.1f} ms, RSS {median(same, 'rss_mb'):.1f} MB")
    print(f"    blackbox        {b_cpu:.3f} ms CPU/probe = {b_cpu:.2f} CPU s per 1000 probes, rate {median(bb, 'rate'):.0f}/s, "
          f"RSS {median(bb, 'rss_mb'):.1f} MB")
    print(f"    nginx (floor)   {floor:.3f} ms CPU/request")
    print(f"    ratios          blackbox/noctua = {b_cpu / n_cpu:.1f}x, noctua/nginx = {n_cpu / floor:.1f}x")
    print(f"  rate {args.high_rate:.0f}/s ({int(args.high_rate)} probes): noctua {median(high, 'cpu_ms_per_probe'):.3f} ms CPU/probe, "
          f"achieved {median(high, 'rate'):.0f}/s on {median(high, 'cpu_cores'):.2f} cores, "
          f"p99 lateness <= {median(high, 'lateness_p99_ms'):.1f} ms, skipped {median(high, 'skipped'):.0f}, "
          f"failures {median(high, 'failures'):.0f}, RSS {median(high, 'rss_mb'):.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
