"""`cpsim-collect DIR`: gather every sweep point under DIR into tidy parquet tables (see `collect`), and with
`--report` draw the figures and write report.md/html (see `report`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from experiments.common.cli_args import OneLineParser
from experiments.sweeps.collect import point_dirs, write_tables
from scenarios.files import FileError, check_name, one_line, show
from sim.interrupt import interruptible
from sim.ownership import read_marker


def main(argv: list[str] | None = None) -> None:
    with interruptible("cpsim-collect"):  # Ctrl-C or SIGTERM: one line, exit 130 or 143
        _main(argv)


def _main(argv: list[str] | None = None) -> None:
    parser = OneLineParser(prog="cpsim-collect", description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=Path, help="a sweep directory (e.g. multirun/demo)")
    parser.add_argument("--report", action="store_true", help="also draw the figures and write report.md/html")
    parser.add_argument(
        "--skip-corrupt", action="store_true", help="leave bad points out, exit 0 (default: exit status 1)"
    )
    args = parser.parse_args(argv)
    try:
        check_name(args.dir, "folder")
    except FileError as exc:
        parser.error(f"dir: {exc}")
    if not args.dir.is_dir():
        parser.error(f"dir: {show(args.dir)!r} is not a directory")
    if not os.access(args.dir, os.R_OK | os.W_OK | os.X_OK):
        parser.error(f"dir: {show(args.dir)!r}: permission denied; expected a folder you can read and write")
    if not point_dirs(args.dir) and not (read_marker(args.dir) or {}).get("sweep"):
        parser.error(f"dir: {show(args.dir)!r} holds no sweep points; expected a folder written by `cpsim -m`")
    sweep = write_tables(args.dir)
    failed = (sweep.points.status == "failed").sum()
    print(f"{len(sweep.points)} points ({failed} failed), {len(sweep.runs)} runs -> {args.dir}/runs.parquet")
    for problem in sweep.corrupt:
        print(one_line(f"cpsim-collect: point left out, counted as missing: {problem}"), file=sys.stderr)
    if args.report:
        from experiments.sweeps.report import write_report  # plotting libraries only when asked

        print(f"report: {write_report(args.dir, sweep)}")
    if sweep.corrupt and not args.skip_corrupt:
        print(
            f"cpsim-collect: {len(sweep.corrupt)} point(s) left out (corrupt, or not this sweep's); rerun the "
            "sweep's command to redo them (resume), or pass --skip-corrupt",
            file=sys.stderr,
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
