"""A `cpsim-workbench` of its own on a free port of this computer, for the benchmarks and the browser tests:
started, waited for, and stopped (even when the caller fails). Its output goes to a log file."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    pid: int
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    @property
    def data_dir(self) -> Path:
        """Its data folder (saved plans, drafts, runs)."""
        return self.log_path.parent / "data"


class NotStarted(RuntimeError):
    """The server exited or did not answer in time."""


@contextlib.contextmanager
def local_server(folder: Path, *args: str, env: dict[str, str] | None = None, wait_s: float = 60) -> Iterator[Server]:
    """A workbench with its data folder and log in `folder`; extra command-line `args` and environment `env`."""
    port = free_port()
    log_path = folder / "server.log"
    cmd = [
        sys.executable,
        "-m",
        "experiments.workbench.server",
        "--port",
        str(port),
        "--data-dir",
        str(folder / "data"),
    ]
    environ = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    with log_path.open("wb") as out:
        proc = subprocess.Popen([*cmd, *args], env=environ, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}/", proc.pid, log_path)
    try:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                urllib.request.urlopen(server.url, timeout=2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise NotStarted(f"cpsim-workbench did not start: {server.log()[-2000:]}") from None
                time.sleep(0.3)
        yield server
    finally:
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def rss_mb(pid: int) -> float:
    """Resident memory of one process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")
