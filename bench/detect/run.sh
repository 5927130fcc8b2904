#!/usr/bin/env bash
# bench/detect: detection quality and replay speed, with the baseline measured in the same run.
#
#   bench/detect/run.sh [path/to/noctua]        (default: build/bin/noctua)
#
# 1. Quality: the labeled real series (not in the repository: NOCTUA_DETECT_DATA names the
#    directory holding them and score.py) scored with noctua's shipped
#    defaults (`noctua replay --as volume`, no config) and with the classic Prometheus rules
#    `value < 0.5 * value offset 1w` and `… offset 1d` (score.py --baseline offset1w|offset1d).
# 2. Speed: a year of 1-minute data (525,600 rows, generated deterministically) through
#    `noctua replay`, median of 5 runs, against score.py's offset1w rule on the same file.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
noctua="${1:-$root/build/bin/noctua}"
data="${NOCTUA_DETECT_DATA:?set NOCTUA_DETECT_DATA to the directory holding score.py and the series}"
[[ -x "$noctua" ]] || { echo "no noctua binary at $noctua (build it first)" >&2; exit 1; }
[[ -f "$data/score.py" ]] || { echo "no scorer at $data/score.py" >&2; exit 1; }

echo "== quality: noctua replay --as volume (shipped defaults)"
python3 "$data/score.py" --noctua "$noctua" | tee /tmp/noctua-bench-detect.txt
echo "== quality: baseline offset1w (value < 0.5 * value offset 1w, 2 samples)"
python3 "$data/score.py" --baseline offset1w | tee /tmp/noctua-bench-baseline.txt
echo "== quality: baseline offset1d (value < 0.5 * value offset 1d, 2 samples)"
python3 "$data/score.py" --baseline offset1d | tee /tmp/noctua-bench-baseline-1d.txt
python3 - /tmp/noctua-bench-detect.txt /tmp/noctua-bench-baseline.txt \
  /tmp/noctua-bench-baseline-1d.txt <<'PY'
import re, sys
def total(path):
    line = open(path).read().strip().splitlines()[-1]
    return dict(re.findall(r"(\w+)=([\d./nan]+)", line))
n = total(sys.argv[1])
for name, path in (("offset 1w", sys.argv[2]), ("offset 1d", sys.argv[3])):
    b = total(path)
    print(f"noctua vs {name}: recall {n['recall']} vs {b['recall']}; "
          f"false alarms per 30d {n['per_30d']} vs {b['per_30d']}; "
          f"median delay {n['median_delay_min']} min vs {b['median_delay_min']} min")
PY

echo "== speed: a year of 1-minute data"
year="$(mktemp --suffix=.csv)"
trap 'rm -f "$year"' EXIT
python3 - "$year" <<'PY'
import datetime as dt, math, random, sys
random.seed(7)
t0 = dt.datetime(2023, 1, 1)
with open(sys.argv[1], "w") as f:
    f.write("timestamp,value\n")
    for i in range(525600):
        t = t0 + dt.timedelta(minutes=i)
        day = 100 + 80 * math.sin((i % 1440) / 1440 * 2 * math.pi)
        week = 0.6 if t.weekday() >= 5 else 1.0
        v = day * week * (0.1 if i % 100000 < 60 else 1.0) + random.random() * 10
        f.write(f"{t:%Y-%m-%d %H:%M:%S},{v:.1f}\n")
PY
python3 - "$noctua" "$year" "$data" <<'PY'
import importlib.util, statistics, subprocess, sys, time
noctua, year, data = sys.argv[1:]
def timed(fn, n=5):
    runs = []
    for _ in range(n):
        t = time.perf_counter(); out = fn(); runs.append(time.perf_counter() - t)
    return statistics.median(runs), out
def replay():
    p = subprocess.run([noctua, "replay", "--input", year, "--as", "volume"],
                       capture_output=True, text=True, check=True)
    return p.stdout.count("\n")
spec = importlib.util.spec_from_file_location("score", f"{data}/score.py")
score = importlib.util.module_from_spec(spec); spec.loader.exec_module(score)
import datetime as dt
def baseline():
    return len(score.baseline_events(score.load_series(year), dt.timedelta(days=7)))
tn, lines = timed(replay)
tb, _ = timed(baseline)
print(f"noctua replay: 525600 rows in {tn:.2f} s median of 5 ({525600 / tn / 1e6:.2f} M rows/s, "
      f"{lines} transitions); python offset1w rule: {tb:.2f} s; ratio {tb / tn:.1f}x faster")
PY
