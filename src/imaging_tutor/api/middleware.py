"""ASGI middleware: request bodies are bounded and screened before any route parses them, and every response
carries the headers that keep browsers from sniffing, caching or framing it."""
from __future__ import annotations

import json
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_SUSPECT = re.compile(rb"NaN|Infinity|\\u")  # the only ways JSON text can smuggle in what we refuse
_BAD_CHARS = re.compile(r"[\x00\ud800-\udfff]")


class _Refused(ValueError):
    pass


def _refuse_constant(name: str):
    raise _Refused("JSON numbers must be finite: NaN and Infinity are not allowed")


def screen_json(body: bytes) -> str | None:
    """Why a JSON body is refused (NaN/Infinity, a NUL character, a lone surrogate), or None when it is fine.

    Bodies that are not valid JSON pass: the route's own parsing answers them with 422."""
    if not _SUSPECT.search(body):
        return None  # plain bodies (nearly all) cost one regex scan
    try:
        data = json.loads(body, parse_constant=_refuse_constant)
    except _Refused as exc:
        return str(exc)
    except (ValueError, RecursionError):
        return None
    stack = [data]
    while stack:  # iterative: a deeply nested body must not exhaust the interpreter's stack
        value = stack.pop()
        if isinstance(value, str):
            if _BAD_CHARS.search(value):
                return "text must not contain NUL characters or unpaired UTF-16 surrogates"
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return None


async def _send_json(send: Send, status: int, payload: dict, close: bool = False) -> None:
    body = json.dumps(payload).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BodyGuardMiddleware:
    """Refuse bodies over max_bytes with 413 before any route parses them (Content-Length or counted), and JSON
    bodies carrying NaN/Infinity, NUL characters or lone surrogates with 422 (the connection stays usable)."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.max_bytes
            except ValueError:
                too_big = False
            if too_big:
                await self._too_big(send)
                return
        # Read the (small) body up front so a chunked upload cannot slip past the limit.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > self.max_bytes:
                await self._too_big(send)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        whole = b"".join(chunks)
        if b"json" in headers.get(b"content-type", b"").lower():
            reason = screen_json(whole)
            if reason is not None:
                await _send_json(send, 422, {"detail": [{"type": "value_error", "loc": ["body"], "msg": reason}]})
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": whole, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_big(self, send: Send) -> None:
        # The rest of the body is never read, so this connection cannot carry another request: close it.
        await _send_json(send, 413, {"detail": f"request body is larger than {self.max_bytes} bytes"}, close=True)


API_CSP = "default-src 'none'; frame-ancestors 'none'"
# The docs pages load only their own scripts and styles (served from this API, never a CDN). Inline styles are
# allowed because Swagger UI and ReDoc set style attributes at run time; no inline script is.
DOCS_CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'; "
            "base-uri 'none'; form-action 'none'")


class SecurityHeadersMiddleware:
    """nosniff, no-store and a CSP on every response (a strict one on the docs pages), framing denied."""

    def __init__(self, app: ASGIApp, docs_prefix: str, static_prefix: str):
        self.app = app
        self.docs_prefix = docs_prefix
        self.static_prefix = static_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        static = path.startswith(self.static_prefix)
        csp = DOCS_CSP if path.startswith(self.docs_prefix) else API_CSP

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() not in (b"cache-control", b"x-content-type-options",
                                                b"content-security-policy", b"x-frame-options")]
                headers += [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
                            (b"referrer-policy", b"no-referrer"), (b"content-security-policy", csp.encode()),
                            (b"cache-control", b"public, max-age=86400" if static else b"no-store")]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
