"""What stands between the workbench and everyone else: an ASGI layer around Solara's Starlette app.

- Origin: a page request or WebSocket whose `Origin` is not the server's own (or in `--allow-origin`) is
  refused with 403 and one log line, so a web page the planner happens to open cannot drive the workbench
  (cross-site WebSocket hijacking).
- Headers: the page's URLs come from the server's configuration: `Host`, `X-Script-Name`, `Script-Name` and
  `X-Forwarded-*` are replaced or dropped (unless `--proxy-headers`), so no request can change what later
  visitors get.
- Errors: a response that would carry a Python traceback, or an exception, becomes a short plain message
  with an id; the traceback goes to the server's log only.
- Token: bound to anything but this computer, every request needs the token printed at start (as Jupyter
  does), given once as `?token=...` and then kept in a cookie.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

log = logging.getLogger("cpsim.workbench")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGI = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]
COOKIE = "cpsim_token"
TRACEBACK = b"Traceback (most recent call last)"
PROXY_HEADERS = (b"x-script-name", b"script-name", b"x-forwarded-host", b"x-forwarded-proto", b"x-forwarded-for")
LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class Policy:
    host: str
    port: int
    allow_origins: tuple[str, ...] = ()
    proxy_headers: bool = False
    token: str | None = None  # None: no token asked (bound to this computer only)

    @property
    def origins(self) -> set[str]:
        hosts = {self.host, *(LOOPBACK if self.host in LOOPBACK else ())}
        own = {f"http://{h}:{self.port}" for h in hosts} | {f"http://[{h}]:{self.port}" for h in hosts if ":" in h}
        return own | set(self.allow_origins)


def new_token() -> str:
    return secrets.token_urlsafe(24)


INTERNAL = ("/resourcez",)  # Solara's internal counters (sessions, memory): served to no one


class Guard:
    def __init__(self, app: ASGI, policy: Policy) -> None:
        self.app, self.policy = app, policy
        self.origins = policy.origins

    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = {k.lower(): v for k, v in scope["headers"]}
        origin = headers.get(b"origin", b"").decode("latin-1")
        if origin and origin not in self.origins:
            log.warning("refused %s from foreign origin %r (%s)", scope["type"], origin[:200], scope.get("path", ""))
            return await _refuse(scope, receive, send, "This page may only be used from the workbench itself.")
        set_cookie = False
        if self.policy.token is not None:
            given = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token", [""])[0]
            cookie = SimpleCookie(headers.get(b"cookie", b"").decode("latin-1")).get(COOKIE)
            if hmac.compare_digest(given, self.policy.token):
                set_cookie = scope["type"] == "http"
            elif cookie is None or not hmac.compare_digest(cookie.value, self.policy.token):
                log.warning("refused %s without the token (%s)", scope["type"], scope.get("path", ""))
                return await _refuse(scope, receive, send, "Open the address with ?token=... printed at start.")
        if not self.policy.proxy_headers:
            scope = dict(scope)
            kept = [(k, v) for k, v in scope["headers"] if k.lower() not in (b"host", *PROXY_HEADERS)]
            scope["headers"] = [(b"host", f"{self.policy.host}:{self.policy.port}".encode()), *kept]
            scope["root_path"] = ""
        if scope["type"] == "websocket":
            return await self.app(scope, receive, send)
        if scope.get("path", "").rstrip("/") in INTERNAL:
            return await _plain(send, 404, "Not found.")  # the server's own counters are not for visitors
        await self._http(scope, receive, send, set_cookie)

    async def _http(self, scope: Scope, receive: Callable, send: Callable, set_cookie: bool) -> None:
        """Pass the response through, holding back a text one until it is known to carry no traceback."""
        held: list[Message] = []
        state = {"text": False, "started": False}

        async def guarded_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                if set_cookie:
                    cookie = f"{COOKIE}={self.policy.token}; HttpOnly; SameSite=Strict; Path=/"
                    message = {**message, "headers": [*message.get("headers", []), (b"set-cookie", cookie.encode())]}
                kinds = dict(message.get("headers", [])).get(b"content-type", b"")
                state["text"] = kinds.startswith((b"text/", b"application/json"))
                state["started"] = True
                if state["text"]:
                    held.append(message)
                    return
            elif message["type"] == "http.response.body" and state["text"]:
                held.append(message)
                if message.get("more_body"):
                    return
                body = b"".join(m.get("body", b"") for m in held[1:])
                if TRACEBACK in body:
                    error_id = uuid.uuid4().hex[:8]
                    log.error("error %s on %s:\n%s", error_id, scope.get("path"), body.decode("utf-8", "replace"))
                    await _plain(send, 500, f"Something went wrong (error {error_id}); the details are in the log.")
                    return
                for m in held:
                    await send(m)
                return
            await send(message)

        try:
            await self.app(scope, receive, guarded_send)
        except Exception:
            error_id = uuid.uuid4().hex[:8]
            log.exception("error %s on %s", error_id, scope.get("path"))
            if not state["started"]:
                await _plain(send, 500, f"Something went wrong (error {error_id}); the details are in the log.")


async def _plain(send: Callable, status: int, text: str) -> None:
    body = (text + "\n").encode()
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _refuse(scope: Scope, receive: Callable, send: Callable, text: str) -> None:
    if scope["type"] == "websocket":
        await receive()  # the connect message; closing before accepting makes the server answer 403
        await send({"type": "websocket.close", "code": 1008})
        return
    await _plain(send, 403, text)
