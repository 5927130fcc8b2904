"""A running Noctua fed by noctua-sim, on loopback, for the wall's end-to-end tests.

Stack(noctua, sim, workdir) picks free ports (bind 127.0.0.1:0, read, release), writes a
config with probes (one balance probe per provider, extracting the balance), an HTTP event
stream, traffic-loss and balance rules and a log receiver, then starts the daemon and the
simulator, which backfills two hours of transactions and keeps sending live ones.
Waits poll with a deadline; nothing sleeps as an assertion.
"""
import json
import os
import pathlib
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

PROVIDERS = ["acme", "globaltop", "kenyapay"]
TOKEN = "wall-e2e-token"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None, timeout=5):
    req = urllib.request.Request(url, data=body.encode() if body is not None else None,
                                 method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as e:
        return 0, str(e)


def headers(url, timeout=5):
    """The response headers of GET url (lower-case names)."""
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return {k.lower(): v for k, v in r.getheaders()}


def wait_for(what, check, timeout, interval=0.2):
    """Polls check() until it returns a true value (returned) or the deadline passes."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except Exception as e:  # noqa: BLE001 - reported below if it persists
            last = e
        if isinstance(last, AssertionError) and "exited with" in str(last):
            raise last
        if last and not isinstance(last, Exception):
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


def config_toml(noctua_port, sim_port):
    out = [f'''[logging]
level = "warn"

[server]
listen = "127.0.0.1:{noctua_port}"
shutdown_timeout = "2s"

[[streams]]
id = "push"
kind = "http"
token_env = "NOCTUA_WALL_E2E_TOKEN"

[windows]
recent = "3h"
allowed_lateness = "30s"
''']
    for p in PROVIDERS:
        out.append(f'''
[[providers]]
id = "{p}"
name = "{p.capitalize()} <b>&amp; Co</b>"
base_url = "http://127.0.0.1:{sim_port}/{p}"

[[probes]]
id = "{p}-balance"
provider = "{p}"
path = "/accounts/balance"
headers = {{ Authorization = "Bearer demo-token", Accept = "application/com.reloadly.topups-v1+json" }}
interval = "1s"
timeout = "900ms"
extract = {{ balance = "body.balance" }}
''')
    out.append('''
[[rules]]
name = "ProviderDown"
kind = "downtime"
failures = 2
successes = 2
severity = "critical"

''')
    for name, dimension_set in (("TrafficLoss", "provider"),
                                ("TrafficLossCountry", "provider_country"),
                                ("TrafficLossOperator", "provider_operator")):
        out.append(f'''
[[rules]]
name = "{name}"
kind = "traffic_loss"
match = {{ set = "{dimension_set}" }}
window = "10m"
recent = "1h"
min_expected = 5
''')
    out.append('''
[[rules]]
name = "BalanceLow"
kind = "balance"
match = { provider = "globaltop" }
burn_window = "40s"
exhaustion_critical = "0s"

[[receivers]]
name = "noc-log"
kind = "log"

[route]
receiver = "noc-log"
''')
    return "".join(out)


class Stack:
    def __init__(self, noctua, sim, workdir, fleet):
        self.noctua_bin, self.sim_bin = noctua, sim
        self.dir = pathlib.Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.fleet = fleet
        self.procs = []
        self.noctua_port = free_port()
        self.sim_port = free_port()
        self.base = f"http://127.0.0.1:{self.noctua_port}"
        self.sim = f"http://127.0.0.1:{self.sim_port}"

    def start(self):
        cfg = self.dir / "noctua.toml"
        cfg.write_text(config_toml(self.noctua_port, self.sim_port), encoding="utf-8")
        env = dict(os.environ, NOCTUA_WALL_E2E_TOKEN=TOKEN)
        self.spawn("noctua", [self.noctua_bin, "run", "-c", str(cfg)], env)
        self.wait("noctua /readyz", lambda: http("GET", self.base + "/readyz")[0] == 200, 30)
        self.spawn("noctua-sim", [self.sim_bin, "--listen", f"127.0.0.1:{self.sim_port}",
                                  "--fleet", self.fleet, "--events-url",
                                  self.base + "/api/v1/events", "--events-token", TOKEN,
                                  "--backfill", "2h", "--batch", "2000", "--log-level", "warn"],
                   env)
        self.wait("noctua-sim", lambda: http("GET", self.sim + "/sim/providers")[0] == 200, 30)
        return self

    def wait(self, what, check, timeout, interval=0.2):
        """wait_for(), failing at once when a process of the stack has exited."""
        def alive_and():
            self.check_alive()
            return check()
        return wait_for(what, alive_and, timeout, interval)

    def spawn(self, name, argv, env):
        log = open(self.dir / f"{name}.log", "w", encoding="utf-8")
        p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env,
                             start_new_session=True)
        self.procs.append((name, p, log))

    def caught_up(self):
        """Detection has followed the backfill to the live stream (within a few buckets)."""
        m = re.search(r"^noctua_rules_stream_time_seconds (\S+)$", self.metrics(), re.M)
        return bool(m) and float(m.group(1)) >= time.time() - 180

    def start_incident(self):
        """acme down (5xx) and globaltop's float draining over 20 minutes; returns once acme's
        ProviderDown fires and detection has caught up with the backfill."""
        self.fault("acme", {"kind": "outage", "mode": "5xx"})
        self.fault("globaltop", {"kind": "balance_drain", "over": "20m"})
        self.wait("ProviderDown firing for acme", lambda: self.firing("ProviderDown", "acme"), 60)
        self.wait("detection caught up with the backfill", self.caught_up, 90)

    def fault(self, provider, fault):
        status, body = http("POST", f"{self.sim}/sim/providers/{provider}/fault", json.dumps(fault))
        assert status in (200, 201, 202, 204), f"fault {fault} on {provider}: {status} {body}"

    def json(self, path):
        status, body = http("GET", self.base + path)
        assert status == 200, f"GET {path}: {status} {body}"
        return json.loads(body)

    def metrics(self):
        status, body = http("GET", self.base + "/metrics")
        assert status == 200, f"GET /metrics: {status}"
        return body

    def firing(self, alertname, provider):
        return any(a["labels"].get("alertname") == alertname and
                   a["labels"].get("provider") == provider
                   for a in self.json("/api/v1/alerts")["data"])

    def check_alive(self):
        for name, p, _ in self.procs:
            if p.poll() is not None:
                raise AssertionError(f"{name} exited with {p.returncode}; log: "
                                     f"{(self.dir / (name + '.log')).read_text()[-2000:]}")

    def stop(self):
        for name, p, log in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
            log.close()
        self.procs = []

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
