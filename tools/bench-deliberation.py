#!/usr/bin/env python3
"""Side-by-side wall-clock benchmark, process start to result, of
`concord deliberate analyze DIR --format json` and red-dwarf (tools/reddwarf-analyze.py) on the
Polis open-data conversations shipped with concord-deliberation's tests.

Usage: python3 tools/bench-deliberation.py CONCORD_BINARY REDDWARF_PYTHON [RUNS]
Each command runs RUNS times per conversation (after one warm-up run); the median is reported.
"""
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "crates/concord-deliberation/tests/data/polis"
CONVERSATIONS = ["15-per-hour-seattle", "bg2050-volunteers", "scoop-hivemind.biodiversity"]


def timed(cmd, runs):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
    return statistics.median(times), min(times), max(times)


def main():
    concord, python = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    print("| conversation | concord median (min–max) | red-dwarf median (min–max) | speed-up |")
    print("|---|---|---|---|")
    for name in CONVERSATIONS:
        d = str(DATA / name)
        c = timed([concord, "deliberate", "analyze", d, "--format", "json"], runs)
        r = timed([python, str(ROOT / "tools/reddwarf-analyze.py"), d], runs)
        print(
            f"| {name} | {c[0]*1000:.1f} ms ({c[1]*1000:.1f}–{c[2]*1000:.1f}) "
            f"| {r[0]*1000:.0f} ms ({r[1]*1000:.0f}–{r[2]*1000:.0f}) | {r[0]/c[0]:.0f}× |",
            flush=True,
        )


if __name__ == "__main__":
    main()
