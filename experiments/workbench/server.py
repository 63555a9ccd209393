"""`cpsim-workbench [--port N] [--host 127.0.0.1] [--data-dir DIR] [--jobs N]`: start the workbench page.

Binds 127.0.0.1 unless told otherwise (the page runs simulations for whoever can reach it); bound beyond
this computer it asks for a token. Every request passes `guard.py` (own origin only, no header poisoning, no
tracebacks to the browser). Works offline: page assets come from the `solara-assets` package; Solara's
telemetry is switched off and its version check is never run (we start uvicorn ourselves).
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

from experiments.common.cli_args import OneLineParser, fail
from experiments.workbench.guard import LOOPBACK, Guard, Policy, new_token
from scenarios.files import FileError, check_creatable, excerpt, show
from sim.ownership import ForeignTarget, created_by_cpsim, mark_created

PROG = "cpsim-workbench"
MAX_PORT = 65535
HOST = re.compile(r"^[A-Za-z0-9.:-]{1,253}$")  # a name or an IPv4 / IPv6 address, nothing else
ORIGIN = re.compile(r"^https?://[A-Za-z0-9.:\[\]-]{1,253}(:\d{1,5})?$")


def port_int(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= MAX_PORT:
        raise argparse.ArgumentTypeError(f"{excerpt(text)} is not allowed; expected a port from 1 to {MAX_PORT}")
    return int(text)


def jobs_int(text: str) -> int:
    most = 4 * (os.cpu_count() or 1)
    if not text.isdigit() or not 1 <= int(text) <= most:
        raise argparse.ArgumentTypeError(
            f"{excerpt(text)} is not allowed; expected a whole number from 1 to {most} (4 x this computer's cores)"
        )
    return int(text)


def host_name(text: str) -> str:
    if not HOST.match(text):
        raise argparse.ArgumentTypeError(f"{excerpt(text)} is not allowed; expected an address or a host name")
    return text


def origin_text(text: str) -> str:
    if not ORIGIN.match(text):
        raise argparse.ArgumentTypeError(
            f"{excerpt(text)} is not allowed; expected an origin such as https://plans.example.org"
        )
    return text.rstrip("/")


def parser() -> argparse.ArgumentParser:
    p = OneLineParser(
        prog=PROG, description="Start the planner's workbench (Plans, Stress test) and the live model (Explore)."
    )
    p.add_argument("--port", type=port_int, default=8765, help="port (default 8765)")
    p.add_argument(
        "--host", type=host_name, default="127.0.0.1", help="address to bind (default 127.0.0.1: this computer only)"
    )
    p.add_argument(
        "--data-dir",
        type=Path,
        default=Path("~/.cpsim-workbench"),
        help="folder for saved plans and runs (default ~/.cpsim-workbench)",
    )
    p.add_argument("--jobs", type=jobs_int, default=2, help="worker processes for compares (default 2)")
    p.add_argument(
        "--allow-origin",
        type=origin_text,
        action="append",
        default=[],
        help="also accept pages from this origin (a reverse proxy's address); repeatable",
    )
    p.add_argument(
        "--proxy-headers",
        action="store_true",
        help="trust Host, X-Script-Name and X-Forwarded-* headers (only behind a reverse proxy you run)",
    )
    p.add_argument("--token", help="the token asked for when bound beyond this computer (default: a new one)")
    return p


WORKBENCH_ENTRIES = {"plans", "runs", "drafts"}  # what the workbench keeps in its data folder


def claim_data_folder(data: Path) -> None:
    """The data folder is the workbench's: new, empty, marked as cpsim's, or (from before markers) holding only
    the workbench's own entries; a folder holding anything else is refused, never written into."""
    check_creatable(data)
    if data.is_dir() and not created_by_cpsim(data):
        foreign = sorted(p.name for p in data.iterdir() if p.name not in WORKBENCH_ENTRIES)
        if foreign:
            raise ForeignTarget(
                f"{show(data, 160)} holds files the workbench did not write ({show(', '.join(foreign))}); "
                "expected a new or empty folder, or the workbench's own"
            )
    data.mkdir(parents=True, exist_ok=True)
    mark_created(data)
    for entry in WORKBENCH_ENTRIES:  # its own folders, from before markers too
        if (data / entry).is_dir():
            mark_created(data / entry)


def _log_one_line_per_event() -> None:
    """The workbench's own events (a compare done, cancelled or failed; a draft not restored) as one line each on
    stderr, beside uvicorn's warnings."""
    import logging

    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(f"{PROG}: %(asctime)s %(message)s", "%H:%M:%S"))
    log = logging.getLogger("cpsim.workbench")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    data = args.data_dir.expanduser().resolve()
    try:
        claim_data_folder(data)
    except (ForeignTarget, FileError, OSError) as exc:
        text = str(exc) if not isinstance(exc, OSError) else f"{show(data, 160)}: {exc.strerror}"
        parser().error(f"--data-dir: {text}")
    os.environ["CPSIM_WORKBENCH_DATA"] = str(data)
    os.environ["CPSIM_WORKBENCH_JOBS"] = str(args.jobs)
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    os.environ.setdefault("SOLARA_THEME_SHOW_BANNER", "False")
    os.environ.setdefault("SOLARA_KERNEL_CULL_TIMEOUT", "2m")  # a closed tab's session is freed (Solara keeps it a day)
    os.environ.setdefault("MPLBACKEND", "Agg")
    # reacton's own faster renderer skips the parts of the page whose state did not change; its default one
    # sets every widget of the page back to its last rendered value on any update, which drops text typed into
    # a cell but not yet entered whenever a compare reports progress
    os.environ.setdefault("REACTON_FAST", "1")
    os.environ["SOLARA_APP"] = "experiments.workbench.app"
    os.environ["SERVER_NAME"], os.environ["SERVER_PORT"] = args.host, str(args.port)
    if not args.proxy_headers:
        os.environ["SOLARA_ROOT_PATH"] = ""  # configured: never taken from the first request's headers
    token = None if args.host in LOOPBACK else (args.token or new_token())
    policy = Policy(args.host, args.port, tuple(args.allow_origin), args.proxy_headers, token)
    import threading
    import warnings

    import uvicorn
    from solara.__main__ import LOGGING_CONFIG
    from solara.server.starlette import app

    from experiments.workbench.jobs import shared_pool

    threading.Thread(target=shared_pool(args.jobs).warm, daemon=True).start()
    # Solara warns on every page that its session cookie falls back from SameSite=None to Lax over http: the
    # page is not embedded in another site's frame, so Lax is what we want
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")
    _log_one_line_per_event()
    query = f"?token={token}" if token else ""
    print(f"{PROG}: open http://{args.host}:{args.port}/{query} (data folder: {data})", flush=True)
    try:
        uvicorn.run(Guard(app, policy), host=args.host, port=args.port, log_level="warning", log_config=LOGGING_CONFIG)
    except OSError as exc:
        fail(PROG, f"--port: {args.port}: {exc.strerror or exc}")


if __name__ == "__main__":
    main()
