"""Time ``evaluate(..., protocol="splits")`` for ``ltc_lightgbm`` (what ``sftcast evaluate
--protocol splits`` runs), against ``ppl_clm`` under the same protocol in the same process.

Run: ``python perf/bench_evaluate.py [--repeats 5]``. Prints medians and the ratio; the
machine is shared and noisy, so read the ratio and the order of magnitude, not the last digit.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from benchmark import evaluate, get_predictor, load_suite


def median_seconds(fn, repeats: int) -> float:  # noqa: ANN001
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    suite = load_suite("zeng2025")
    evaluate(suite, get_predictor("ppl_clm"), "splits")  # warm the PPL-CLM baseline cache and imports
    rows = {}
    for name in ("ppl_clm", "kshot_rag", "ltc_logreg", "ltc_lightgbm"):
        rows[name] = median_seconds(lambda n=name: evaluate(suite, get_predictor(n), "splits"), args.repeats)
    base = rows["ppl_clm"]
    print(f"evaluate --protocol splits on zeng2025 (20 splits x 3 tasks), median of {args.repeats}:")
    for name, sec in rows.items():
        print(f"  {name:<14} {sec:7.2f} s   ratio vs ppl_clm {sec / base:5.1f}x")
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmark.cli",
            "evaluate",
            "--predictor",
            "ltc_lightgbm",
            "--protocol",
            "splits",
        ],
        check=True,
        capture_output=True,
    )
    print(f"  whole CLI process (imports included), once: {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
