#!/usr/bin/env python3
"""bench/probes: CPU per probe of two noctua builds, interleaved on one nginx (A/B), for a
change's before/after on a shared machine: the builds alternate run by run, so both see the same
neighbours. Medians printed. Uses bench.py's runner (same config, window and accounting).

Usage: ab.py BASE_NOCTUA AFTER_NOCTUA [--rounds 3] [--seconds 10] [--rate 500]
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import types

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base")
    ap.add_argument("after")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--rate", type=float, default=500)
    args = ap.parse_args()
    res = {"base": [], "after": []}
    with tempfile.TemporaryDirectory(prefix="noctua-ab-") as tmp:
        nginx, port = bench.start_nginx(tmp)
        try:
            for i in range(args.rounds):
                order = [("base", args.base), ("after", args.after)]
                if i % 2:
                    order.reverse()
                for name, binary in order:
                    run = types.SimpleNamespace(noctua=binary, seconds=args.seconds)
                    r = bench.run_noctua(run, tmp, nginx, port, int(args.rate), args.rate)
                    res[name].append(r["cpu_ms_per_probe"])
                    print(json.dumps({"round": i + 1, "build": name,
                                      "cpu_ms_per_probe": round(r["cpu_ms_per_probe"], 4),
                                      "rate": round(r["rate"], 1), "skipped": r["skipped"],
                                      "failures": r["failures"]}), flush=True)
        finally:
            bench.stop(nginx)
    for name, values in res.items():
        print(f"{name}: median {statistics.median(values):.3f} ms CPU per probe at "
              f"{args.rate:.0f}/s, runs {[round(v, 3) for v in values]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
