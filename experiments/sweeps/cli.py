"""`cpsim-collect DIR`: gather every sweep point under DIR into tidy parquet tables (see `collect`), and with
`--report` draw the figures and write report.md/html (see `report`)."""

from __future__ import annotations

from pathlib import Path

from experiments.common.cli_args import OneLineParser
from experiments.sweeps.collect import write_tables


def main(argv: list[str] | None = None) -> None:
    parser = OneLineParser(prog="cpsim-collect", description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=Path, help="a sweep directory (e.g. multirun/demo)")
    parser.add_argument("--report", action="store_true", help="also draw the figures and write report.md/html")
    args = parser.parse_args(argv)
    if not args.dir.is_dir():
        parser.error(f"dir: {str(args.dir)!r} is not a directory")
    sweep = write_tables(args.dir)
    failed = (sweep.points.status == "failed").sum()
    print(f"{len(sweep.points)} points ({failed} failed), {len(sweep.runs)} runs -> {args.dir}/runs.parquet")
    if args.report:
        from experiments.sweeps.report import write_report  # plotting libraries only when asked

        print(f"report: {write_report(args.dir, sweep)}")


if __name__ == "__main__":
    main()
