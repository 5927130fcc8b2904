#!/usr/bin/env python3
"""Every PromQL expression of every dashboard, evaluated by a real Prometheus.

Runs Noctua fed by noctua-sim (probes, a stream with a two-hour backfill, a provider broken so
that ProviderDown fires, a float draining), checks `promtool check metrics` on its /metrics,
starts Debian's prometheus on a free loopback port scraping it every second with the rules of
deploy/prometheus/, breaks a second provider while it watches (an alert transition), then
evaluates each panel query and annotation of dashboards/*.json through the HTTP API with the
variables substituted. Fails if a query is invalid or returns no data, or a rule is unhealthy.

Usage: prometheus_e2e.py NOCTUA NOCTUA_SIM SOURCE_DIR WORK_DIR
"""
import json
import pathlib
import re
import shutil
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import stack  # noqa: E402

# Grafana's variables as the test sets them: a down provider and a draining one.
VARIABLES = {
    "provider": "acme|globaltop",
    "instance": ".*",
    "__rate_interval": "15s",
    "__interval": "5s",
    "__range": "1m",
}


def substitute(expr):
    def one(m):
        name = m.group(1) or m.group(2)
        if name not in VARIABLES:
            raise AssertionError(f"no test value for variable ${name} in {expr}")
        return VARIABLES[name]
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", one, expr)


def queries(source):
    for f in sorted((source / "dashboards").glob("*.json")):
        d = json.loads(f.read_text(encoding="utf-8"))
        for p in d["panels"]:
            for t in p.get("targets", []):
                yield f.name, p["title"], t["expr"], t.get("instant", False)
        for a in d.get("annotations", {}).get("list", []):
            if a.get("expr"):
                yield f.name, "annotation " + a["name"], a["expr"], False


def prom_query(base, expr, instant):
    if instant:
        params = {"query": expr}
        path = "/api/v1/query"
    else:
        now = time.time()
        params = {"query": expr, "start": now - 60, "end": now, "step": "5"}
        path = "/api/v1/query_range"
    status, body = stack.http("GET", base + path + "?" + urllib.parse.urlencode(params))
    if status != 200:
        return None, f"HTTP {status}: {body[:300]}"
    data = json.loads(body)
    if data.get("status") != "success":
        return None, body[:300]
    return data["data"]["result"], None


def main():
    noctua, sim, source, work = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3]), pathlib.Path(sys.argv[4])
    shutil.rmtree(work, ignore_errors=True)
    t0 = time.monotonic()
    with stack.Stack(noctua, sim, work, str(source / "config/examples/fleet.toml")) as s:
        # Everything the dashboards read exists before Prometheus starts counting.
        s.start_incident()
        for needle in ('noctua_provider_status{provider="acme"} 2',
                       'noctua_traffic_expected{', 'noctua_traffic_observed{',
                       'set="provider_country"', 'set="provider_operator"',
                       'noctua_balance_exhaustion_seconds{', 'noctua_window_error_codes{',
                       'noctua_notifications_total{', 'noctua_notification_latency_seconds_bucket{',
                       'process_cpu_seconds_total '):
            # The balance forecast needs a few closed buckets of the drain: up to two minutes
            # on a loaded machine.
            s.wait(f"{needle} in /metrics", lambda: needle in s.metrics(), 120)
        metrics = s.metrics()
        check = subprocess.run(["promtool", "check", "metrics"], input=metrics, text=True,
                               capture_output=True)
        print(f"promtool check metrics: exit {check.returncode} {check.stdout}{check.stderr}")
        assert check.returncode == 0 and not check.stdout.strip() and not check.stderr.strip(), \
            "promtool check metrics is not clean"

        prom_port = stack.free_port()
        prom_dir = work / "prometheus"
        prom_dir.mkdir()
        rules = source / "deploy/prometheus"
        (prom_dir / "prometheus.yml").write_text(f"""
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - {rules}/noctua-recording.rules.yml
  - {rules}/noctua-alerts.rules.yml
scrape_configs:
  - job_name: noctua
    static_configs:
      - targets: ["127.0.0.1:{s.noctua_port}"]
""", encoding="utf-8")
        s.spawn("prometheus", ["prometheus", f"--config.file={prom_dir}/prometheus.yml",
                               f"--storage.tsdb.path={prom_dir}/data",
                               f"--web.listen-address=127.0.0.1:{prom_port}",
                               "--log.level=warn"], None)
        prom = f"http://127.0.0.1:{prom_port}"
        s.wait("prometheus ready", lambda: stack.http("GET", prom + "/-/ready")[0] == 200, 60)

        def scraped(n):
            result, _ = prom_query(prom, 'count_over_time(up{job="noctua"}[1m])', True)
            return bool(result) and float(result[0]["value"][1]) >= n

        # Enough samples for rate() over $__rate_interval, with counters that moved.
        s.wait("20 scrapes of noctua", lambda: scraped(20), 60, interval=0.5)
        # An alert transition while Prometheus watches (the alert annotations show those).
        s.fault("kenyapay", {"kind": "outage", "mode": "timeout"})
        s.wait("a transition seen by Prometheus", lambda: prom_query(
            prom, "changes(noctua_alert_transitions_total[1m]) > 0", True)[0], 60, interval=0.5)

        failures = []
        count = 0
        for name, title, expr, instant in queries(source):
            count += 1
            q = substitute(expr)
            result, error = prom_query(prom, q, instant)
            if error:
                failures.append(f"{name} / {title}: invalid: {q}\n    {error}")
            elif not result:
                failures.append(f"{name} / {title}: no data: {q}")
            else:
                print(f"ok   {name} / {title}: {len(result)} series")

        # The rules of deploy/prometheus/ load and evaluate without errors.
        _, body = stack.http("GET", prom + "/api/v1/rules")
        for g in json.loads(body)["data"]["groups"]:
            for r in g["rules"]:
                if r.get("health") not in ("ok", "unknown"):
                    failures.append(f"rule {r['name']}: health {r.get('health')}: {r.get('lastError')}")
        for f in failures:
            print("FAIL " + f)
        print(f"{count} queries, {len(failures)} failures, {time.monotonic() - t0:.1f}s")
        return 1 if failures or count < 40 else 0


if __name__ == "__main__":
    sys.exit(main())
