#!/usr/bin/env python3
"""Lints the Grafana dashboards under dashboards/.

Each file must be valid JSON with schemaVersion >= 36, a uid unique across the files, the
`datasource` variable (and `provider` where a query uses $provider), links to the other
dashboards, and panels that each carry a title, a description, a unit, thresholds and the
${datasource} variable (on the panel and on every query). Then it checks itself: copies broken
in known ways must be rejected. Usage: lint_dashboards.py DASHBOARD_DIR. Exit 1 lists every
problem.
"""
import json
import pathlib
import re
import sys

DS_UID = "${datasource}"


def panels_of(dashboard):
    for p in dashboard.get("panels", []):
        yield p
        yield from p.get("panels", [])  # collapsed rows hold their panels


def lint(path, uids, problems):
    def bad(msg):
        problems.append(f"{path.name}: {msg}")

    try:
        d = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        bad(f"invalid JSON: {e}")
        return
    uid = d.get("uid")
    if not uid or not re.fullmatch(r"[a-zA-Z0-9_-]{1,40}", uid):
        bad(f"missing or malformed uid {uid!r}")
    elif uid in uids:
        bad(f"uid {uid!r} also used by {uids[uid]}")
    else:
        uids[uid] = path.name
    if not d.get("title"):
        bad("no title")
    if not isinstance(d.get("schemaVersion"), int) or d["schemaVersion"] < 36:
        bad(f"schemaVersion {d.get('schemaVersion')!r} < 36")
    if d.get("id") is not None:
        bad("a fixed numeric id (leave it null so imports do not clash)")

    variables = {v.get("name"): v for v in d.get("templating", {}).get("list", [])}
    ds = variables.get("datasource")
    if not ds or ds.get("type") != "datasource" or ds.get("query") != "prometheus":
        bad("no `datasource` variable of type datasource/prometheus")
    for name, v in variables.items():
        if v.get("type") == "query" and v.get("datasource", {}).get("uid") != DS_UID:
            bad(f"variable {name!r} does not query ${{datasource}}")
    if not any(l.get("type") == "dashboards" and "noctua" in l.get("tags", [])
               for l in d.get("links", [])):
        bad("no link to the other Noctua dashboards (type dashboards, tag noctua)")

    ids = set()
    exprs = []
    for p in panels_of(d):
        pid = p.get("id")
        where = f"panel {pid} {p.get('title')!r}"
        if pid in ids:
            bad(f"{where}: duplicate panel id")
        ids.add(pid)
        if not p.get("title"):
            bad(f"{where}: no title")
        if p.get("type") == "row":
            continue
        if not p.get("description"):
            bad(f"{where}: no description (the question the panel answers)")
        if p.get("datasource", {}).get("uid") != DS_UID:
            bad(f"{where}: datasource is not ${{datasource}}")
        if not p.get("fieldConfig", {}).get("defaults", {}).get("unit"):
            bad(f"{where}: no unit")
        if not p.get("fieldConfig", {}).get("defaults", {}).get("thresholds", {}).get("steps"):
            bad(f"{where}: no thresholds")
        targets = p.get("targets", [])
        if not targets:
            bad(f"{where}: no queries")
        for t in targets:
            if t.get("datasource", {}).get("uid") != DS_UID:
                bad(f"{where}: query {t.get('refId')} datasource is not ${{datasource}}")
            if not t.get("expr"):
                bad(f"{where}: query {t.get('refId')} has no expr")
            exprs.append(t.get("expr", ""))
    for a in d.get("annotations", {}).get("list", []):
        if a.get("builtIn"):
            continue
        if a.get("datasource", {}).get("uid") != DS_UID:
            bad(f"annotation {a.get('name')!r}: datasource is not ${{datasource}}")
        exprs.append(a.get("expr", ""))
    for e in exprs:
        for var in re.findall(r"\$\{?([a-zA-Z_]\w*)", e):
            if not var.startswith("__") and var not in variables:
                bad(f"query uses undefined variable ${var}: {e}")


def lint_dir(root):
    files = sorted(root.glob("*.json"))
    problems = []
    if len(files) < 3:
        problems.append(f"{root}: expected the three dashboards, found {len(files)} files")
    uids = {}
    for f in files:
        lint(f, uids, problems)
    return files, uids, problems


def self_test(root):
    """Breaks copies of the dashboards in known ways; each break must be reported."""
    import copy
    import tempfile
    good = [json.loads(f.read_text(encoding="utf-8")) for f in sorted(root.glob("*.json"))]
    breaks = {
        "no unit": lambda d: d["panels"][1]["fieldConfig"]["defaults"].pop("unit"),
        "datasource is not": lambda d: d["panels"][1]["targets"][0].update(datasource={"uid": "x"}),
        "also used by": lambda d: d.update(uid=good[0]["uid"]),
        "no title": lambda d: d["panels"][1].update(title=""),
        "undefined variable": lambda d: d["panels"][1]["targets"][0].update(expr="up{a=~\"$nope\"}"),
        "schemaVersion": lambda d: d.update(schemaVersion=30),
        "invalid JSON": None,
    }
    failures = []
    for want, breaker in breaks.items():
        with tempfile.TemporaryDirectory() as tmp:
            for i, d in enumerate(good):
                d = copy.deepcopy(d)
                if i == len(good) - 1 and breaker:
                    breaker(d)
                text = json.dumps(d) if breaker or i < len(good) - 1 else "{"
                (pathlib.Path(tmp) / f"{i}.json").write_text(text, encoding="utf-8")
            _, _, problems = lint_dir(pathlib.Path(tmp))
            if not any(want in p for p in problems):
                failures.append(f"self-test: a dashboard with {want!r} passed the lint: {problems}")
    return failures


def main():
    root = pathlib.Path(sys.argv[1])
    files, uids, problems = lint_dir(root)
    if not problems:
        problems = self_test(root)
    for p in problems:
        print(p)
    if problems:
        return 1
    print(f"{len(files)} dashboards ok: {', '.join(sorted(uids))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
