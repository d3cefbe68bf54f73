"""Render bench/results/*.json as the markdown tables of BENCHMARKS.md:
`python -m bench.report [--quick]` (after `make bench` or `make bench-quick`)."""

from __future__ import annotations

import argparse
import json
import sys

from bench.common import RESULTS_DIR, Table
from bench.run import FAMILIES


def render(quick: bool) -> str:
    suffix = "-quick" if quick else ""
    parts = []
    for family in FAMILIES:
        path = RESULTS_DIR / f"{family}{suffix}.json"
        if not path.is_file():
            parts.append(f"_{family}: no results in {path.name}_\n")
            continue
        payload = json.loads(path.read_text())
        m = payload["machine"]
        parts.append(
            f"<!-- {family}: {m['date']}, load average {m['loadavg'][0]:.2f} → "
            f"{m['loadavg_end'][0]:.2f} -->"
        )
        for table in payload["tables"]:
            table = Table(
                table["title"],
                tuple(table["header"]),
                tuple(tuple(row) for row in table["rows"]),
                tuple(table["notes"]),
            )
            parts.append(table.markdown())
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.report", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="render the quick-mode results")
    print(render(parser.parse_args(argv).quick))
    return 0


if __name__ == "__main__":
    sys.exit(main())
