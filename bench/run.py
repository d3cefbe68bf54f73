"""The benchmark runner: `python -m bench.run [--quick] [--only FAMILY ...]`.

Prints each family's tables (medians with min/max, ratios measured in the same run) and writes
bench/results/<family>[-quick].json with the machine description and the raw figures.
Benchmarks are commands, not timed tests: nothing here runs under pytest.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback

from bench.common import BenchConfig, machine, write_json

# Family name -> module; the order is the issue's. The served families share one Serve stack.
FAMILIES = {
    "serving_overhead": "bench.serving_overhead",
    "stage_breakdown": "bench.stage_breakdown",
    "concurrency": "bench.concurrency",
    "growth": "bench.growth",
    "transport": "bench.transport",
    "roofline": "bench.roofline",
    "presets_paper": "bench.presets_paper",
    "speedups": "bench.speedups",
    "allocator": "bench.allocator",
    "parallel": "bench.parallel",
    "editing": "bench.editing",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats, steps and sizes")
    parser.add_argument("--only", nargs="*", choices=tuple(FAMILIES), help="families to run")
    args = parser.parse_args(argv)
    config = BenchConfig.make(args.quick)
    info = machine()
    print(
        f"# reelflow benchmarks ({'quick' if config.quick else 'full'}) — {info['date']}\n"
        f"machine: {info['cores']} cores, {info['cpu_model']}, torch {info['torch']}, "
        f"load average {info['loadavg'][0]:.2f}\n"
    )
    failed = []
    try:
        for name in args.only or FAMILIES:
            began = time.perf_counter()
            try:
                report = importlib.import_module(FAMILIES[name]).run(config)
            except Exception:  # one broken family must not hide the others' figures
                traceback.print_exc()
                failed.append(name)
                continue
            for table in report.tables:
                print(table.markdown())
            path = write_json(report, config, info)
            print(f"({name}: {time.perf_counter() - began:.0f} s, wrote {path})\n", flush=True)
    finally:
        from bench.served import shutdown

        shutdown()  # never leave Ray running
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
