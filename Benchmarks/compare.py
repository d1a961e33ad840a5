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
the table gives the median over rounds of each figure and of each ratio. On Linux each figure also
gets the host's steal (/proc/stat: of the time the cores had work, the share a hypervisor gave to
other guests): MiniDRAW's from its timed steps (`minidraw bench`), PyTorch's from its whole run.
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
    """Training images/s of one preset from `minidraw bench --json`, and the host's steal in percent
    during its timed steps (None where the system does not count it)."""
    output = subprocess.run(
        [binary, "bench", "--gemm-seconds", "0", "--threads", str(threads), "--steps", str(steps),
         "--presets", preset, "--json"], check=True, capture_output=True, text=True).stdout
    records = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    record = next(record for record in records if "images_per_second" in record)
    return record["images_per_second"], record.get("steal_percent")


def cpu_times():
    """(busy, steal) clock ticks of all cores from /proc/stat's `cpu` line; None elsewhere."""
    try:
        with open("/proc/stat") as file:
            numbers = [int(word) for word in file.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    if len(numbers) < 8:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = numbers[:8]
    return user + nice + system + irq + softirq, steal


def steal_percent(before, after):
    """Of the ticks between two `cpu_times()` with work (busy or stolen), the share stolen, in percent
    (as `HostCPUTimes.stealShare` in the package: idle ticks left out)."""
    if before is None or after is None:
        return None
    busy, stolen = (b - a for a, b in zip(before, after))
    return 100 * stolen / (busy + stolen) if busy + stolen > 0 else 0.0


def pytorch(preset, steps, flush_denormal=False):
    """Training images/s of one preset from `pytorch_draw.py` on 2 threads (subnormals flushed or not),
    and the host's steal in percent over the whole run."""
    before = cpu_times()
    output = subprocess.run(
        [sys.executable, os.path.join(HERE, "pytorch_draw.py"), "--presets", preset, "--steps", str(steps),
         "--threads", "2"] + (["--flush-denormal"] if flush_denormal else []),
        check=True, capture_output=True, text=True).stdout
    steal = steal_percent(before, cpu_times())
    return float(re.search(r"train\s+([0-9.]+) img/s", output).group(1)), steal


def steal_text(steal):
    return "-" if steal is None else f"{steal:.0f}%"


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
    parser.add_argument("--quiet-steal", type=float, default=5.0,
                        help="a round's figures count as quiet when the host stole less than this percent in each")
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
    steals = {preset: {"2": [], "1": [], "torch": [], "flushed": []} for preset in presets}
    print(f"CPU: {cpu_name()}, {os.cpu_count()} cores; {arguments.rounds} rounds, batch 100, "
          f"median of {arguments.steps} steps per figure (images/s)")
    for round_index in range(arguments.rounds):
        for preset in presets:
            measured = {"2": minidraw(arguments.minidraw, preset, 2, arguments.steps),
                        "1": minidraw(arguments.minidraw, preset, 1, arguments.steps),
                        "torch": pytorch(preset, arguments.steps),
                        "flushed": pytorch(preset, arguments.steps, flush_denormal=True)}
            for key, (value, steal) in measured.items():
                figures[preset][key].append(value)
                steals[preset][key].append(steal)
            (two, _), (one, _), (torch, _), (flushed, _) = (measured[key] for key in ("2", "1", "torch", "flushed"))
            stolen = " / ".join(steal_text(measured[key][1]) for key in ("2", "1", "torch", "flushed"))
            print(f"  round {round_index + 1}  {preset:<22} MiniDRAW 2 threads {two:7.1f}  1 thread {one:7.1f}  "
                  f"PyTorch {torch:7.1f}  flushed {flushed:7.1f}  ratio {two / torch:4.2f}x ({two / flushed:4.2f}x flushed)  "
                  f"2 threads / 1 {two / one:4.2f}x  host steal {stolen}", flush=True)
    print("\n| preset | PyTorch | MiniDRAW 2 threads | ratio | PyTorch, subnormals flushed | ratio | MiniDRAW 1 thread | "
          "2 threads / 1 | host steal: MiniDRAW 2 threads / 1 / PyTorch |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")

    def median_steal(values):
        known = [value for value in values if value is not None]
        return steal_text(statistics.median(known) if known else None)

    def summary(values):
        return f"{statistics.median(values):.2f}× ({min(values):.2f}-{max(values):.2f})"
    for preset in presets:
        f = figures[preset]
        ratios = [two / torch for two, torch in zip(f["2"], f["torch"])]
        flushed_ratios = [two / torch for two, torch in zip(f["2"], f["flushed"])]
        scaling = [two / one for two, one in zip(f["2"], f["1"])]
        print(f"| `{preset}` | {statistics.median(f['torch']):.1f} | {statistics.median(f['2']):.1f} | {summary(ratios)} | "
              f"{statistics.median(f['flushed']):.1f} | {summary(flushed_ratios)} | "
              f"{statistics.median(f['1']):.1f} | {summary(scaling)} | "
              f"{' / '.join(median_steal(steals[preset][key]) for key in ('2', '1', 'torch'))} |")
    # The same medians over the quiet rounds alone: where the host took (almost) nothing from any of the four runs.
    quiet = {preset: [index for index in range(arguments.rounds)
                      if all(steals[preset][key][index] is not None and steals[preset][key][index] < arguments.quiet_steal
                             for key in ("2", "1", "torch", "flushed"))] for preset in presets}
    if any(steals[preset]["2"][0] is not None for preset in presets):
        print(f"\nQuiet rounds only (host steal under {arguments.quiet_steal:g}% in all four runs of the preset's round):\n")
        print("| preset | quiet rounds | ratio | ratio, PyTorch flushed | 2 threads / 1 |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for preset in presets:
            f, rounds = figures[preset], quiet[preset]
            if not rounds:
                print(f"| `{preset}` | 0 of {arguments.rounds} | - | - | - |")
                continue
            pick = lambda key: [f[key][index] for index in rounds]
            print(f"| `{preset}` | {len(rounds)} of {arguments.rounds} | "
                  f"{summary([a / b for a, b in zip(pick('2'), pick('torch'))])} | "
                  f"{summary([a / b for a, b in zip(pick('2'), pick('flushed'))])} | "
                  f"{summary([a / b for a, b in zip(pick('2'), pick('1'))])} |")


if __name__ == "__main__":
    main()
