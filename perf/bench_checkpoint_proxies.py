"""The proxies of one checkpoint: one lm-eval run for the five proxies and the extra signals
against two runs, the five and then the signals, as the suite runner measures them (each run
loads the model and builds its tasks).

Run: ``python perf/bench_checkpoint_proxies.py [--model DIR] [--data DIR] [--limit N]
[--repeats 3]``; defaults: ``runs/tiny/seed0/v03/checkpoint-600``, ``runs/tiny/data-world0`` and
40 documents per task (the runner's intermediate checkpoints). One torch thread; the two ways
alternate, and the script prints medians and their ratio (the machine is shared and noisy). It
checks that both give the same numbers.

Measured here (tiny v03, 3 repeats, 2 shared cores): at 40 documents per task one run takes 17.0 s
against 17.8 s for two (0.95); on every document 38.6 s against 36.6 s (1.05). Loading a ~1M
model and building the tasks a second time costs about a second, within the noise, so the runner
keeps its two runs: the five proxies' cache stays valid when a signal is added or re-versioned.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from benchmark.core.vocab import EXTRA_SIGNALS, PROXIES
from benchmark.harness import compute_proxies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="runs/tiny/seed0/v03/checkpoint-600")
    parser.add_argument("--data", default="runs/tiny/data-world0")
    parser.add_argument("--limit", type=int, default=40, help="documents per task; 0: all")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    limit = args.limit or None
    names = [*PROXIES, *EXTRA_SIGNALS]
    times: dict[str, list[float]] = {"one run": [], "two runs": []}
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        one = compute_proxies(args.model, args.data, limit=limit, proxies=names)
        times["one run"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        two = {
            **compute_proxies(args.model, args.data, limit=limit),
            **compute_proxies(args.model, args.data, limit=limit, proxies=list(EXTRA_SIGNALS)),
        }
        times["two runs"].append(time.perf_counter() - t0)
        for name in names:
            assert abs(one[name] - two[name]) <= 1e-6 * abs(two[name]) + 1e-12, name
    base = statistics.median(times["two runs"])
    print(f"{args.model}, limit {limit}, {args.repeats} repeats, one thread")
    for way, ts in times.items():
        print(f"{way:9s} median {statistics.median(ts):6.1f} s  ratio {statistics.median(ts) / base:.2f}")


if __name__ == "__main__":
    main()
