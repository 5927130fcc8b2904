#!/usr/bin/env python3
"""The status page in headless Chromium, with a provider broken through the simulator.

Runs Noctua fed by noctua-sim, breaks acme (5xx outage) and waits for ProviderDown, then loads
GET / in Debian's chromium: the page must log nothing to the console (no failed loads, no
script), show acme as DOWN in words, show the providers' names as text (they hold markup), and
a screenshot is written for people (and docs/). The page is served as HTML under a
Content-Security-Policy that forbids loading anything (a violation would reach the console).

Usage: status_page_e2e.py NOCTUA NOCTUA_SIM SOURCE_DIR WORK_DIR SCREENSHOT
"""
import pathlib
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import stack  # noqa: E402


def chromium(url, work, *args):
    argv = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--no-first-run", "--disable-extensions", "--disable-dev-shm-usage", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--metrics-recording-only",
            f"--user-data-dir={work}/chromium", "--enable-logging=stderr", "--v=0",
            "--window-size=1600,1300", *args, url]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=90)
    return r


def main():
    noctua, sim, source, work = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3]), pathlib.Path(sys.argv[4])
    screenshot = pathlib.Path(sys.argv[5])
    shutil.rmtree(work, ignore_errors=True)
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    with stack.Stack(noctua, sim, work, str(source / "config/examples/fleet.toml")) as s:
        s.start_incident()

        def page_ready():
            status, body = stack.http("GET", s.base + "/")
            return (status == 200 and 'data-provider="acme" data-state="down"' in body
                    and ("runs out in" in body or "✖ exhausted" in body)
                    and "% of expected" in body) and body
        html = s.wait("the page showing acme down, a forecast and traffic", page_ready, 120)
        s.check_alive()

        failures = []
        h = stack.headers(s.base + "/")
        if not h.get("content-type", "").startswith("text/html"):
            failures.append(f"content type {h.get('content-type')!r}")
        if "default-src 'none'" not in h.get("content-security-policy", ""):
            failures.append(f"no policy forbidding loads: {h.get('content-security-policy')!r}")
        dom = chromium(s.base + "/", work, "--dump-dom")
        shot = chromium(s.base + "/", work, f"--screenshot={screenshot}")
        console = [l for l in (dom.stderr + shot.stderr).splitlines() if ":CONSOLE(" in l]
        if console:
            failures.append("console messages:\n  " + "\n  ".join(console))
        if dom.returncode != 0 or shot.returncode != 0:
            failures.append(f"chromium exited {dom.returncode}/{shot.returncode}: {shot.stderr[-1500:]}")
        if not screenshot.exists() or screenshot.stat().st_size < 10_000:
            failures.append(f"no screenshot at {screenshot}")

        # What the browser built, not what the server sent.
        d = dom.stdout
        card = re.search(r'<section class="card down" data-provider="acme" data-state="down">(.*?)</section>',
                         d, re.S)
        if not card:
            failures.append("acme is not rendered as a down card")
        else:
            if "✖ DOWN" not in card.group(1):
                failures.append("the down card does not say DOWN in words")
            if "ProviderDown" not in card.group(1):
                failures.append("the down card does not say why")
        if "<b>&amp; Co</b>" in d or "&lt;b&gt;&amp;amp; Co&lt;/b&gt;" not in d:
            failures.append("provider names are not shown as text (markup from the config rendered)")
        if "<script" in html or "<script" in d:
            failures.append("the page holds a script")
        if 'http-equiv="refresh"' not in d:
            failures.append("the page does not refresh itself")
        if d.count("<svg") < 3:
            failures.append("fewer than three charts")
        for f in failures:
            print("FAIL " + f)
        print(f"screenshot: {screenshot} ({screenshot.stat().st_size if screenshot.exists() else 0} bytes), "
              f"{time.monotonic() - t0:.1f}s")
        return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
