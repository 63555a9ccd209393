"""`cpsim-workbench [--port N] [--host 127.0.0.1] [--data-dir DIR] [--jobs N]`: start the workbench page.

Binds 127.0.0.1 unless told otherwise (the page runs simulations for whoever can reach it). Works offline:
page assets come from the `solara-assets` package; Solara's telemetry and version check are switched off.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

PROG = "cpsim-workbench"


def positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not allowed; expected a whole number >= 1")
    return int(text)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=PROG, description="Start the planner's workbench (Plans) and the live model (Explore)."
    )
    p.add_argument("--port", type=positive_int, default=8765, help="port (default 8765)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this computer only)")
    p.add_argument(
        "--data-dir",
        type=Path,
        default=Path("~/.cpsim-workbench"),
        help="folder for saved plans and runs (default ~/.cpsim-workbench)",
    )
    p.add_argument("--jobs", type=positive_int, default=2, help="worker processes for compares (default 2)")
    return p


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    data = args.data_dir.expanduser().resolve()
    data.mkdir(parents=True, exist_ok=True)
    os.environ["CPSIM_WORKBENCH_DATA"] = str(data)
    os.environ["CPSIM_WORKBENCH_JOBS"] = str(args.jobs)
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    os.environ.setdefault("SOLARA_THEME_SHOW_BANNER", "False")
    os.environ.setdefault("MPLBACKEND", "Agg")
    # reacton's own faster renderer skips the parts of the page whose state did not change; its default one
    # sets every widget of the page back to its last rendered value on any update, which drops text typed into
    # a cell but not yet entered whenever a compare reports progress
    os.environ.setdefault("REACTON_FAST", "1")
    import threading

    from solara.__main__ import cli

    from experiments.workbench.jobs import shared_pool

    threading.Thread(target=shared_pool(args.jobs).warm, daemon=True).start()
    print(f"{PROG}: open http://{args.host}:{args.port}/ (data folder: {data})", flush=True)
    cli(
        [
            "run",
            "experiments.workbench.app",
            "--host",
            args.host,
            "--port",
            str(args.port),
            "--production",
            "--no-open",
            "--no-check-version",
            "--log-level",
            "warning",
            "--log-level-uvicorn",
            "warning",
        ],
        standalone_mode=True,
    )


if __name__ == "__main__":
    main()
