"""The workbench lets no one in: foreign origins refused, headers never poison the page, no traceback reaches the
browser, odd options get one line, and a server bound beyond this computer asks for its token."""

from __future__ import annotations

import asyncio
import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from experiments.workbench.guard import COOKIE, Guard, Policy
from scenarios.validate import ConfigError
from sim.overrides import check_command_line

ROOT = Path(__file__).resolve().parents[1]
POLICY = Policy("127.0.0.1", 8765)


def call(app, policy: Policy, scope: dict, messages: list[dict] | None = None) -> list[dict]:  # noqa: ANN001
    """Run the guarded app on one request; return what it sent."""
    sent: list[dict] = []
    queue = list(messages or [{"type": "http.request", "body": b""}])

    async def receive() -> dict:
        return queue.pop(0) if queue else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    base = {"type": "http", "path": "/", "headers": [], "query_string": b""}
    asyncio.run(Guard(app, policy)({**base, **scope}, receive, send))
    return sent


def page(body: bytes, seen: list | None = None):  # noqa: ANN201
    async def app(scope, receive, send) -> None:  # noqa: ANN001
        if seen is not None:
            seen.append(scope)
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/html")]})
        await send({"type": "http.response.body", "body": body})

    return app


def body_of(sent: list[dict]) -> bytes:
    return b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def test_a_traceback_or_an_exception_becomes_a_short_message_with_an_id() -> None:
    sent = call(page(b"<pre>Traceback (most recent call last):\n  File secret.py</pre>"), POLICY, {})
    assert sent[0]["status"] == 500 and b"secret.py" not in body_of(sent) and b"error " in body_of(sent)

    async def broken(scope, receive, send) -> None:  # noqa: ANN001
        raise RuntimeError("boom in /home/someone/secret")

    sent = call(broken, POLICY, {})
    assert sent[0]["status"] == 500 and b"secret" not in body_of(sent)
    assert body_of(call(page(b"<p>fine</p>"), POLICY, {})) == b"<p>fine</p>"


def test_foreign_origins_are_refused_and_the_own_origin_is_served() -> None:
    foreign = {"headers": [(b"origin", b"http://evil.example")]}
    assert call(page(b"ok"), POLICY, foreign)[0]["status"] == 403
    own = {"headers": [(b"origin", b"http://localhost:8765")]}
    assert call(page(b"ok"), POLICY, own)[0]["status"] == 200
    proxy = Policy("127.0.0.1", 8765, allow_origins=("https://plans.example.org",))
    assert call(page(b"ok"), proxy, {"headers": [(b"origin", b"https://plans.example.org")]})[0]["status"] == 200
    ws = call(page(b""), POLICY, {"type": "websocket", **foreign}, [{"type": "websocket.connect"}])
    assert ws == [{"type": "websocket.close", "code": 1008}]


def test_headers_never_reach_the_page_unless_proxy_headers() -> None:
    seen: list = []
    poisoned = {"headers": [(b"host", b"evil.example"), (b"x-script-name", b"/evil"), (b"x-forwarded-host", b"e")]}
    call(page(b"ok", seen), POLICY, poisoned)
    headers = dict(seen[0]["headers"])
    assert (
        headers[b"host"] == b"127.0.0.1:8765" and b"x-script-name" not in headers and b"x-forwarded-host" not in headers
    )
    seen.clear()
    call(page(b"ok", seen), Policy("127.0.0.1", 8765, proxy_headers=True), poisoned)
    assert dict(seen[0]["headers"])[b"x-script-name"] == b"/evil"


def test_a_token_once_then_a_cookie() -> None:
    policy = Policy("0.0.0.0", 8765, token="s3cret")
    assert call(page(b"ok"), policy, {})[0]["status"] == 403
    first = call(page(b"ok"), policy, {"query_string": b"token=s3cret"})
    assert first[0]["status"] == 200 and any(k == b"set-cookie" and b"s3cret" in v for k, v in first[0]["headers"])
    later = call(page(b"ok"), policy, {"headers": [(b"cookie", f"{COOKIE}=s3cret".encode())]})
    assert later[0]["status"] == 200
    assert call(page(b"ok"), policy, {"headers": [(b"cookie", f"{COOKIE}=guess".encode())]})[0]["status"] == 403


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--port", "99999"], "--port: '99999' is not allowed; expected a port from 1 to 65535"),
        (["--jobs", "0"], "--jobs: '0' is not allowed; expected a whole number from 1 to"),
        (["--jobs", "100000"], "--jobs: '100000' is not allowed"),
        (["--host", "a b"], "--host: 'a b' is not allowed; expected an address or a host name"),
        (["--allow-origin", "evil"], "--allow-origin: 'evil' is not allowed; expected an origin"),
    ],
)
def test_odd_server_options_get_one_line(args: list[str], words: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "experiments.workbench.server", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1 and words in done.stderr


@pytest.mark.parametrize("jobs", ["0", "100000", "two"])
def test_a_sweep_with_impossible_launcher_jobs_is_refused(jobs: str) -> None:
    with pytest.raises(ConfigError, match=r"^hydra.launcher.n_jobs: "):
        check_command_line(
            ["-m", "+experiment=staffing_coordination", "hydra/launcher=local_cores", f"hydra.launcher.n_jobs={jobs}"]
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(tmp: Path, *extra: str) -> Iterator[tuple[int, subprocess.Popen]]:
    port = _free_port()
    cmd = [sys.executable, "-m", "experiments.workbench.server", "--port", str(port), "--data-dir", str(tmp), *extra]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.3)
    try:
        yield port, proc
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    return response.status, response.read().decode("utf-8", "replace")


@pytest.mark.slow
def test_the_running_server_refuses_foreign_websockets_and_keeps_its_page(tmp_path: Path) -> None:
    for port, _ in _serve(tmp_path):
        upgrade = {
            "Connection": "Upgrade",
            "Upgrade": "websocket",
            "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
            "Origin": "http://evil.example",
        }
        status, _ = _get(port, "/jupyter/api/kernels/x/channels?session_id=y", upgrade)
        assert status == 403
        status, _ = _get(port, "/", {"Host": "evil.example", "X-Script-Name": "/evil", "X-Forwarded-Host": "evil"})
        status, second = _get(port, "/")  # the next visitor
        assert status == 200 and "evil" not in second
        status, odd = _get(port, "/explore?x=" + "a" * 5000)
        assert "Traceback (most recent call last)" not in odd


@pytest.mark.slow
def test_bound_beyond_this_computer_the_server_asks_for_its_token(tmp_path: Path) -> None:
    for port, proc in _serve(tmp_path, "--host", "0.0.0.0", "--token", "t0ken"):
        assert "?token=t0ken" in proc.stdout.readline()
        assert _get(port, "/")[0] == 403
        assert _get(port, "/?token=t0ken")[0] == 200


def test_the_servers_own_counters_are_not_served() -> None:
    for path in ("/resourcez", "/resourcez/"):
        sent = call(page(b"sessions: 12, memory: 1.2 GB"), POLICY, {"path": path})
        assert sent[0]["status"] == 404 and b"sessions" not in body_of(sent)
    assert call(page(b"ok"), POLICY, {"path": "/"})[0]["status"] == 200
