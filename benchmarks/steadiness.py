"""How steady this machine's speed is: the same pure-Python work, timed in short blocks on one core.

`python -m benchmarks.steadiness [--seconds N] [--core N]` runs a fixed loop for N seconds (default 10) on one
core (default: the bots' core in `python -m benchmarks`) and prints the CPU time each unit of work took, per
block of 10 ms, 100 ms and 1 s: the spread, and how far adjacent blocks differ. On a quiet, dedicated core
every unit costs the same; on a shared virtual machine the host's other work shows up here, and it is why
`benchmarks/cpu.py` has both bots take turns in short spells rather than alternate whole bursts.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import time


def unit() -> int:
    """A fixed piece of pure-Python work (about 0.1 ms)."""
    total = 0
    for i in range(2000):
        total += i * 3 % 7
    return total


def measure(seconds: float) -> list[tuple[float, float]]:
    """(when it started, CPU µs) for each unit, over `seconds` of wall-clock time."""
    samples: list[tuple[float, float]] = []
    end = time.monotonic() + seconds
    while (now := time.monotonic()) < end:
        start = time.thread_time_ns()
        unit()
        samples.append((now, (time.thread_time_ns() - start) / 1000))
    return samples


def blocks(samples: list[tuple[float, float]], width: float) -> list[float]:
    """Mean µs per unit in consecutive blocks of `width` seconds."""
    if not samples:
        return []
    first = samples[0][0]
    grouped: dict[int, list[float]] = {}
    for at, cost in samples:
        grouped.setdefault(int((at - first) / width), []).append(cost)
    return [statistics.fmean(costs) for _, costs in sorted(grouped.items())]


def describe(samples: list[tuple[float, float]]) -> list[str]:
    lines = [f"{len(samples):,} units, median {statistics.median(c for _, c in samples):.0f} µs each"]
    for width, name in ((0.01, "10 ms"), (0.1, "100 ms"), (1.0, "1 s")):
        means = blocks(samples, width)
        if len(means) < 2:
            continue
        steps = [abs(b - a) / a for a, b in itertools.pairwise(means)]
        lines.append(
            f"blocks of {name}: fastest {min(means):.0f} µs, slowest {max(means):.0f} µs per unit "
            f"(cv {statistics.pstdev(means) / statistics.fmean(means):.0%}); adjacent blocks differ by "
            f"{statistics.fmean(steps):.1%} on average"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.steadiness", description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    parser.add_argument("--core", type=int, default=cores[1] if len(cores) > 1 else None)
    args = parser.parse_args(argv)
    if args.core is not None:
        os.sched_setaffinity(0, {args.core})
    print("\n".join(describe(measure(args.seconds))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
