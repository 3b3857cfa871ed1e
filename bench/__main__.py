"""`python -m bench [NAME ...] [--iterations N]`: run measurements, print a table, save JSON."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import time
import traceback
from types import FrameType

from bench import mixed_load
from bench.core import DEFAULT_ITERATIONS, Context, Result
from bench.registry import MEASUREMENTS
from bench.report import format_table, write_json
from bench.session import Session

# Last: starts its own `crm serve` and loads it with technicians for BENCH_MIXED_SECONDS (60 s).
MEASUREMENTS.setdefault("mixed_load", mixed_load.measure)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Run the CRM benchmarks; print a table and write bench/out/latest.json.",
    )
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"measurements to run (default: all): {', '.join(MEASUREMENTS)}",
    )
    parser.add_argument(
        "--iterations",
        type=int,
        default=DEFAULT_ITERATIONS,
        metavar="N",
        help=f"timed iterations for latency measurements (default: {DEFAULT_ITERATIONS})",
    )
    return parser


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    # Turn SIGTERM into an exception so the `finally` that stops the servers runs.
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in MEASUREMENTS]
    if unknown:
        parser.error(f"unknown measurement(s): {', '.join(unknown)}")
    if args.iterations < 1:
        parser.error("--iterations must be at least 1")
    selected = [name for name in MEASUREMENTS if not args.names or name in args.names]

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    signal.signal(signal.SIGTERM, _on_sigterm)
    session = Session()
    ctx = Context(iterations=args.iterations, session=session)
    results: list[Result] = []
    failed = False
    try:
        for name in selected:
            print(f"bench: running {name} ...", file=sys.stderr, flush=True)
            started = time.perf_counter()
            try:
                results.extend(MEASUREMENTS[name](ctx))
            except Exception as exc:  # noqa: BLE001 - report it and run the others
                traceback.print_exc()
                failed = True
                results.append(Result(name, None, "", ok=False, notes=f"failed: {exc!r}"))
            print(
                f"bench: {name} done in {time.perf_counter() - started:.1f} s",
                file=sys.stderr,
                flush=True,
            )
    finally:
        session.close()

    print(format_table(results))
    path = write_json(results)
    missed = sum(1 for r in results if r.ok is False)
    print(f"\nwrote {path}" + (f"; {missed} row(s) not ok" if missed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
