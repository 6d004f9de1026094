"""Jiebang benchmarks: `python -m bench` runs them all, `python -m bench NAME` runs one.

Each benchmark is a module of this package listed in `bench.__main__.BENCHMARKS`; it exposes
`TITLE` (one line) and `run(options) -> list[Result]`. Shared helpers are in `bench.common`.
Benchmarks measure speed and print figures; they assert nothing about timings.
"""
