"""`python -m bench [NAME ...]`: run the benchmarks (all, or those named) and print their figures.

To add a benchmark, write a module `bench/NAME.py` with `TITLE` and `run(options) -> list[Result]`
and add NAME to BENCHMARKS below.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback

from bench.common import Options, Result, machine_line, print_summary, print_table

# Run in this order by `python -m bench`; each name is a module of this package.
BENCHMARKS = [
    "web",
    "search",
    "import_bench",
    "dedupe",
    "match",
    "match_quality",
    "match_relevance",
    "dashboard",
]
# Named only: run with `python -m bench load` (it needs minutes and, for its figures, PostgreSQL and Redis).
ON_REQUEST = ["load"]


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"benchmarks to run (default: all of {', '.join(BENCHMARKS)})"
    )
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    parser.add_argument(
        "--requests", type=int, help="requests (operations) per figure, instead of each benchmark's default"
    )
    parser.add_argument("--concurrency", type=int, help="concurrent connections, instead of each benchmark's default")
    parser.add_argument(
        "--time-limit", type=float, help="seconds per figure at most, instead of each benchmark's default"
    )
    parser.add_argument("--per-query", action="store_true", help="match_relevance: the figures per judged need too")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHMARKS + ON_REQUEST]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; known: {', '.join(BENCHMARKS + ON_REQUEST)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.list:
        for name in BENCHMARKS + ON_REQUEST:
            print(f"{name:<12} {importlib.import_module(f'bench.{name}').TITLE}")
        return 0
    options = Options(
        requests=args.requests, concurrency=args.concurrency, time_limit=args.time_limit, per_query=args.per_query
    )
    print(machine_line(), flush=True)
    results: list[Result] = []
    failed: list[str] = []
    started = time.monotonic()
    for name in args.names or BENCHMARKS:
        module = importlib.import_module(f"bench.{name}")
        print(f"\n== {name}: {module.TITLE}", flush=True)
        began = time.monotonic()
        try:
            rows = module.run(options)
        except Exception:
            traceback.print_exc()
            failed.append(name)
            continue
        print(f"   ({name} took {time.monotonic() - began:.0f}s)", flush=True)
        results.extend(rows)
    if results:
        print_table(results, "Results (latencies of successful requests; throughput = successful requests per second)")
        print_summary(results)
    print(f"\nTotal {time.monotonic() - started:.0f}s.")
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
    errors = sum(r.errors for r in results)
    if errors:
        print(f"{errors} requests failed: the figures above may not mean what they say", file=sys.stderr)
    return 1 if failed or errors else 0


if __name__ == "__main__":
    sys.exit(main())
