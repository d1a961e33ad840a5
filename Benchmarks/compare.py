#!/usr/bin/env python3
"""MiniDRAW against PyTorch, back to back, in interleaved rounds. Not part of the Swift package:
nothing builds, tests or needs it.

    swift build -c release
    python3 Benchmarks/compare.py --rounds 3

Each round runs, for each preset in turn, `minidraw bench` on 2 threads, then on 1 thread,
then `pytorch_draw.py` on 2 threads (batch 100, median of `--steps` steps each), as shipped and
then with `--flush-denormal` (subnormals flushed, as MiniDRAW runs), so the four figures of one
preset are taken within about a minute of each other. A shared machine's speed
drifts by 10-20% from minute to minute; the ratios are therefore taken within each round, and
the table gives the median over rounds of each figure and of each ratio.
"""
import argparse
import importlib.util
import json
import os
import platform
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PRESETS = ["paperMNIST", "paperMNISTNoAttention", "small"]


def minidraw(binary, preset, threads, steps):
    """Training images/s of one preset from `minidraw bench --json`."""
    output = subprocess.run(
        [binary, "bench", "--gemm-seconds", "0", "--threads", str(threads), "--steps", str(steps),
         "--presets", preset, "--json"], check=True, capture_output=True, text=True).stdout
    records = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    return next(record["images_per_second"] for record in records if "images_per_second" in record)


def pytorch(preset, steps, flush_denormal=False):
    """Training images/s of one preset from `pytorch_draw.py` on 2 threads (subnormals flushed or not)."""
    output = subprocess.run(
        [sys.executable, os.path.join(HERE, "pytorch_draw.py"), "--presets", preset, "--steps", str(steps),
         "--threads", "2"] + (["--flush-denormal"] if flush_denormal else []),
        check=True, capture_output=True, text=True).stdout
    return float(re.search(r"train\s+([0-9.]+) img/s", output).group(1))


def cpu_name():
    try:
        with open("/proc/cpuinfo") as file:
            info = file.read()
        name = re.search(r"model name\s*:\s*(.*)", info).group(1)
        flags = re.search(r"flags\s*:\s*(.*)", info).group(1).split()
        vector = [flag for flag in ("avx2", "fma", "avx512f") if flag in flags]
        return f"{name} ({' '.join(vector)})"
    except (OSError, AttributeError):
        return platform.processor() or platform.machine()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minidraw", default=".build/release/minidraw", help="the minidraw binary")
    parser.add_argument("--presets", default=",".join(PRESETS))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=5)
    arguments = parser.parse_args()
    if not os.access(arguments.minidraw, os.X_OK):
        sys.exit(f"--minidraw: no executable at {arguments.minidraw} (run `swift build -c release` first)")
    if importlib.util.find_spec("torch") is None:
        sys.exit("compare.py: PyTorch is not installed (pip install torch); it runs Benchmarks/pytorch_draw.py beside minidraw")
    presets = arguments.presets.split(",")
    unknown = [preset for preset in presets if preset not in PRESETS]
    if unknown:
        sys.exit(f"--presets: unknown {', '.join(unknown)} (known: {', '.join(PRESETS)})")
    figures = {preset: {"2": [], "1": [], "torch": [], "flushed": []} for preset in presets}
    print(f"CPU: {cpu_name()}, {os.cpu_count()} cores; {arguments.rounds} rounds, batch 100, "
          f"median of {arguments.steps} steps per figure (images/s)")
    for round_index in range(arguments.rounds):
        for preset in presets:
            two = minidraw(arguments.minidraw, preset, 2, arguments.steps)
            one = minidraw(arguments.minidraw, preset, 1, arguments.steps)
            torch = pytorch(preset, arguments.steps)
            flushed = pytorch(preset, arguments.steps, flush_denormal=True)
            for key, value in (("2", two), ("1", one), ("torch", torch), ("flushed", flushed)):
                figures[preset][key].append(value)
            print(f"  round {round_index + 1}  {preset:<22} MiniDRAW 2 threads {two:7.1f}  1 thread {one:7.1f}  "
                  f"PyTorch {torch:7.1f}  flushed {flushed:7.1f}  ratio {two / torch:4.2f}x ({two / flushed:4.2f}x flushed)  "
                  f"2 threads / 1 {two / one:4.2f}x", flush=True)
    print("\n| preset | PyTorch | MiniDRAW 2 threads | ratio | PyTorch, subnormals flushed | ratio | MiniDRAW 1 thread | 2 threads / 1 |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")

    def summary(values):
        return f"{statistics.median(values):.2f}× ({min(values):.2f}-{max(values):.2f})"
    for preset in presets:
        f = figures[preset]
        ratios = [two / torch for two, torch in zip(f["2"], f["torch"])]
        flushed_ratios = [two / torch for two, torch in zip(f["2"], f["flushed"])]
        scaling = [two / one for two, one in zip(f["2"], f["1"])]
        print(f"| `{preset}` | {statistics.median(f['torch']):.1f} | {statistics.median(f['2']):.1f} | {summary(ratios)} | "
              f"{statistics.median(f['flushed']):.1f} | {summary(flushed_ratios)} | "
              f"{statistics.median(f['1']):.1f} | {summary(scaling)} |")


if __name__ == "__main__":
    main()
