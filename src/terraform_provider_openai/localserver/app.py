"""The ASGI application: Starlette routes behind a thin ASGI layer that records, injects faults
and checks keys. Build it with :func:`create_app`.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
import secrets
import string
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sse_starlette import EventSourceResponse
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, Router
from starlette.types import Message, Receive, Scope, Send

from terraform_provider_openai.localserver._errors import APIError, invalid, not_found
from terraform_provider_openai.localserver._faults import FAULT_HEADER, Fault, FaultQueue, parse_fault
from terraform_provider_openai.localserver._generate import build_completion, stored_messages, stored_settings
from terraform_provider_openai.localserver._recorder import Recorder, key_from_headers
from terraform_provider_openai.localserver._store import Store, UnknownAfter
from terraform_provider_openai.localserver._stream import DONE, ChunkStream
from terraform_provider_openai.localserver._validation import list_params, validate_create, validate_update

#: Each API exchange at DEBUG (method, path, status, request id, duration), bodies at TRACE (5, as
#: uvicorn's --log-level trace), both from the request log's masked copy: keys never reach them.
log = logging.getLogger(__name__)
TRACE = 5

_ALNUM = string.ascii_letters + string.digits
_BODY_KEY = "localserver.body"
_DROP_KEY = "localserver.drop"  # a streamed create with a `drop` fault: cut the stream mid-way
_INVALID_JSON = object()
_API_PREFIXES = ("/v1/", "/openai/")


@dataclass
class ServerConfig:
    db: str | None = None
    api_key: str | None = None
    latency_ms: float = 0.0
    fail_next: int = 0
    fail_kind: str | None = None


def _new_id(prefix: str, length: int) -> str:
    """``prefix`` + ``length`` random base62 characters (one urandom call: cheap per request)."""
    number = int.from_bytes(os.urandom(length))
    chars = []
    for _ in range(length):
        number, digit = divmod(number, 62)
        chars.append(_ALNUM[digit])
    return prefix + "".join(chars)


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(body, status_code=status, headers=headers)


def _error(exc: APIError) -> Response:
    return _json(exc.status, exc.body(), exc.headers)


Endpoint = Callable[[Request], Awaitable[Response]]


class LocalServer:
    """State (store, request log, faults) and the endpoints."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.store = Store(config.db)
        self.recorder = Recorder(secrets=[config.api_key])
        self.faults = FaultQueue()
        if config.fail_next and config.fail_kind:
            self.faults.add(parse_fault(config.fail_kind), config.fail_next, None)
        self.router = Router(routes=self._routes(), default=self._unknown_route)

    # --- routing ------------------------------------------------------------------------------

    def _routes(self) -> list[Route]:
        all_methods = ["GET", "POST", "DELETE", "PUT", "PATCH"]
        collection = self._by_method({"POST": self.create, "GET": self.list_completions})
        item = self._by_method({"GET": self.retrieve, "POST": self.update, "DELETE": self.delete})
        messages = self._by_method({"GET": self.messages})
        routes = []
        for prefix in ("/v1", "/openai", "/openai/deployments/{deployment}"):
            routes += [
                Route(f"{prefix}/chat/completions", collection, methods=all_methods),
                Route(f"{prefix}/chat/completions/{{completion_id}}", item, methods=all_methods),
                Route(f"{prefix}/chat/completions/{{completion_id}}/messages", messages, methods=all_methods),
            ]
        routes += [
            Route("/_admin/health", self.admin_health, methods=["GET"]),
            Route("/_admin/requests", self.admin_requests, methods=["GET", "DELETE"]),
            Route("/_admin/reset", self.admin_reset, methods=["POST"]),
            Route("/_admin/faults", self.admin_faults, methods=["GET", "POST", "DELETE"]),
        ]
        return routes

    @staticmethod
    def _by_method(table: dict[str, Endpoint]) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            handler = table.get(request.method)
            try:
                if handler is None:
                    raise APIError(
                        405,
                        f"Invalid method for URL ({request.method} {request.url.path}).",
                        code="method_not_allowed",
                    )
                return await handler(request)
            except APIError as exc:
                return _error(exc)

        return endpoint

    async def _unknown_route(self, scope: Scope, receive: Receive, send: Send) -> None:
        exc = APIError(404, f"Invalid URL ({scope['method']} {scope['path']})", code="unknown_url")
        await _error(exc)(scope, receive, send)

    # --- ASGI entry ---------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(_API_PREFIXES):
            if scope["type"] == "http" and self._admin_needs_key(scope["path"]):
                headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
                try:
                    self._require_key(key_from_headers(headers))
                except APIError as exc:
                    await _error(exc)(scope, receive, send)
                    return
            await self.router(scope, receive, send)
            return
        chunks = []
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        raw = b"".join(chunks)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        path = scope["path"]
        recording = self.recorder.record(
            scope["method"], path, scope["query_string"].decode("latin-1"), headers, raw
        )
        scope[_BODY_KEY] = recording.body if recording.body is not None or not raw else _INVALID_JSON
        request_id = "req_" + secrets.token_hex(16)
        started = time.perf_counter() if log.isEnabledFor(logging.DEBUG) else None

        async def send_recorded(message: Message) -> None:
            if message["type"] == "http.response.start":
                recording.status(message["status"], message.get("headers", []))
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            elif message["type"] == "http.response.body":
                recording.add_body(message.get("body", b""), message.get("more_body", False))
                if started is not None and not message.get("more_body", False):
                    _log_exchange(recording.entry, request_id, started)
            await send(message)

        try:
            await self._serve(scope, receive, send, send_recorded, headers, raw)
        except DropConnection:
            log.info(
                "%s %s: connection dropped (fault), request id %s",
                scope["method"],
                recording.entry["path"],
                request_id,
            )
            await self._drop(receive, send, started=recording.entry["status"] is not None)
        finally:
            recording.finish()  # an answer cut short is kept as far as it went

    async def _serve(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        send_recorded: Send,
        headers: dict[str, str],
        raw: bytes,
    ) -> None:
        """Faults, the key check, then the route (``send_recorded`` records the answer)."""
        path = scope["path"]
        try:
            fault = self._fault_for(headers, path)
        except APIError as exc:
            await _error(exc)(scope, receive, send_recorded)
            return

        if fault is not None and fault.kind == "drop":
            if not _streamed_create(scope["method"], path, scope[_BODY_KEY]):
                raise DropConnection
            scope[_DROP_KEY] = True
        if fault is not None and fault.kind == "status":
            await _error(_fault_error(fault))(scope, receive, send_recorded)
            return
        if fault is not None and fault.kind == "timeout":
            try:
                await asyncio.wait_for(_wait_disconnect(receive), fault.seconds)
                return  # the client gave up
            except TimeoutError:
                pass

        replay_done = False

        async def replay() -> Message:
            nonlocal replay_done
            if not replay_done:
                replay_done = True
                return {"type": "http.request", "body": raw, "more_body": False}
            return await receive()

        try:
            self._check_access(headers, path, scope["query_string"])
        except APIError as exc:
            if scope.get(_DROP_KEY):
                raise DropConnection from None
            await _error(exc)(scope, replay, send_recorded)
            return

        if fault is not None and fault.kind == "after-store":
            swallowed: list[Message] = []

            async def swallow(message: Message) -> None:
                swallowed.append(message)

            await self.router(scope, replay, swallow)
            status = swallowed[0]["status"] if swallowed else 500
            if status < 400:
                await _error(_fault_error(fault))(scope, replay, send_recorded)
            else:
                for message in swallowed:
                    await send_recorded(message)
            return
        await self.router(scope, replay, send_recorded)

    def _fault_for(self, headers: dict[str, str], path: str) -> Fault | None:
        spec = headers.get(FAULT_HEADER)
        if spec:
            try:
                return parse_fault(spec)
            except ValueError as exc:
                raise invalid(FAULT_HEADER, str(exc)) from None
        return self.faults.take(path)

    async def _drop(self, receive: Receive, send: Send, *, started: bool = False) -> None:
        """Close the connection, before an answer or in the middle of one (``started``): the
        client sees a connection error."""
        transport = getattr(getattr(send, "__self__", None), "transport", None)
        if transport is not None:
            transport.abort()
            await _wait_disconnect(receive)
            return
        if started:
            return  # not uvicorn: the server closes the connection of an answer left unfinished
        # Not uvicorn: promise a body and never send it; the server then closes the connection.
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1000")]})

    def _check_access(self, headers: dict[str, str], path: str, query: bytes) -> None:
        azure = path.startswith("/openai/")
        if azure:
            key = headers.get("api-key") or key_from_headers(headers)
            if not key:
                raise APIError(
                    401,
                    "Access denied due to missing subscription key. Make sure to include the 'api-key' header or an 'Authorization: Bearer' token.",
                    code="invalid_api_key",
                )
            if b"api-version=" not in query or not _query_value(query, "api-version"):
                raise invalid(
                    "api-version", "Missing required query parameter 'api-version'.", "missing_api_version"
                )
        else:
            key = key_from_headers(headers)
        self._require_key(key)

    def _admin_needs_key(self, path: str) -> bool:
        """With --api-key, every /_admin route but the health check needs the key."""
        if self.config.api_key is None or path == "/_admin/health":
            return False
        return path == "/_admin" or path.startswith("/_admin/")

    def _require_key(self, key: str | None) -> None:
        """401 unless no key is configured or ``key`` is the configured one."""
        expected = self.config.api_key
        if expected is None:
            return
        if not key:
            raise APIError(
                401,
                "You didn't provide an API key. Send it in an 'Authorization: Bearer' header.",
                code="invalid_api_key",
            )
        if not hmac.compare_digest(key.encode(), expected.encode()):
            raise APIError(401, "Incorrect API key provided.", code="invalid_api_key")

    # --- chat completions ---------------------------------------------------------------------

    async def _body(self, request: Request) -> Any:
        body = request.scope.get(_BODY_KEY)
        if body is _INVALID_JSON or body is None:
            raise invalid(
                None,
                "We could not parse the JSON body of your request. The body must be a JSON object.",
                "invalid_json",
            )
        return body

    async def create(self, request: Request) -> Response:
        body = await self._body(request)
        deployment = request.path_params.get("deployment")
        drop = bool(request.scope.get(_DROP_KEY))
        try:
            validate_create(body, model_required=deployment is None)
        except APIError:
            if drop:  # no stream to cut: close the connection without an answer
                raise DropConnection from None
            raise
        streamed = body.get("stream") is True
        if self.config.latency_ms and not streamed:
            await asyncio.sleep(self.config.latency_ms / 1000)
        completion = build_completion(
            body,
            completion_id=_new_id("chatcmpl-", 29),
            created=int(time.time()),
            model=body.get("model") or deployment or "",
        )
        if streamed:
            return self._stream(body, completion, drop=drop)
        self._store(body, completion)
        return _json(200, completion)

    def _store(self, body: dict[str, Any], completion: dict[str, Any]) -> None:
        if body.get("store"):
            self.store.add(
                {**completion, **stored_settings(body)}, stored_messages(completion["id"], body["messages"])
            )

    def _stream(self, body: dict[str, Any], completion: dict[str, Any], *, drop: bool) -> Response:
        """The completion as server-sent events, ``--latency-ms`` spread over them. Stored (with
        ``store: true``) before ``[DONE]``, and however else the stream ends: cut by ``drop``,
        left by the client, stopped with the server. The API, too, finishes a generation and
        stores it whatever becomes of the connection."""
        chunks = ChunkStream(completion, body)
        stored = False

        def store_once() -> None:
            nonlocal stored
            if not stored:
                stored = True
                self._store(body, completion)

        async def events() -> AsyncIterator[str]:
            loop = asyncio.get_running_loop()
            step = self.config.latency_ms / 1000 / max(len(chunks), 1)
            start = loop.time()
            cut = max(len(chunks) // 2, 1) if drop else -1
            for sent, chunk in enumerate(chunks):
                if sent == cut:
                    raise DropConnection
                # also lets other requests in between chunks when there is no latency
                await asyncio.sleep(max(start + step * (sent + 1) - loop.time(), 0.0))
                yield json.dumps(chunk, separators=(",", ":"))
            store_once()
            yield DONE

        return _EventStream(events(), on_close=store_once)

    async def list_completions(self, request: Request) -> Response:
        query = request.query_params
        after, limit, order = list_params(query, with_filters=True)
        metadata = {
            k[9:-1]: v for k, v in query.multi_items() if k.startswith("metadata[") and k.endswith("]")
        }
        try:
            items, has_more = self.store.page(
                model=query.get("model"), metadata=metadata, after=after, limit=limit, order=order
            )
        except UnknownAfter:
            raise _unknown_after(after) from None
        return _json(200, _page(items, has_more))

    async def retrieve(self, request: Request) -> Response:
        completion_id = request.path_params["completion_id"]
        completion = self.store.get(completion_id)
        if completion is None:
            raise not_found(completion_id)
        return _json(200, completion)

    async def update(self, request: Request) -> Response:
        completion_id = request.path_params["completion_id"]
        metadata = validate_update(await self._body(request))
        completion = self.store.update_metadata(completion_id, metadata)
        if completion is None:
            raise not_found(completion_id)
        return _json(200, completion)

    async def delete(self, request: Request) -> Response:
        completion_id = request.path_params["completion_id"]
        if not self.store.delete(completion_id):
            raise not_found(completion_id)
        return _json(200, {"object": "chat.completion.deleted", "id": completion_id, "deleted": True})

    async def messages(self, request: Request) -> Response:
        completion_id = request.path_params["completion_id"]
        after, limit, order = list_params(request.query_params, with_filters=False)
        items = self.store.messages(completion_id)
        if items is None:
            raise not_found(completion_id)
        if order == "desc":
            items.reverse()
        if after is not None:
            ids = [m["id"] for m in items]
            if after not in ids:
                raise _unknown_after(after)
            items = items[ids.index(after) + 1 :]
        return _json(200, _page(items[:limit], len(items) > limit))

    # --- admin --------------------------------------------------------------------------------

    async def admin_health(self, request: Request) -> Response:
        return _json(200, {"status": "ok"})

    async def admin_requests(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.recorder.clear()
            return _json(200, {"cleared": True})
        return _json(200, {"requests": self.recorder.all()})

    async def admin_reset(self, request: Request) -> Response:
        self.recorder.clear()
        self.store.clear()
        self.faults.clear()
        return _json(200, {"reset": True})

    async def admin_faults(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.faults.clear()
        elif request.method == "POST":
            try:
                spec = json.loads(await request.body() or b"{}")
                fault = parse_fault(str(spec["kind"]))
                count = int(spec.get("count", 1))
                prefix = spec.get("path_prefix")
                if count < 1 or not (prefix is None or isinstance(prefix, str)):
                    raise ValueError("count must be >= 1 and path_prefix a string")
            except (ValueError, KeyError, TypeError) as exc:
                return _error(
                    invalid(None, f"Invalid fault: {exc}. Send {{'kind', 'count', 'path_prefix'}}.")
                )
            self.faults.add(fault, count, prefix)
        return _json(200, {"faults": self.faults.describe()})


class DropConnection(Exception):
    """Raised from a route (or its stream) to close the connection instead of answering."""


class _EventStream(EventSourceResponse):
    """Server-sent events as the API frames them (``data: ...`` and a blank line, no keep-alive
    comments); ``on_close`` runs however the stream ends. A stream stopped before its end (the
    client left, the server is shutting down) has its connection cut, as a real server's would
    be: the client sees a broken stream, never a short one that looks complete."""

    def __init__(self, events: AsyncIterator[str], *, on_close: Callable[[], None]) -> None:
        super().__init__(events, sep="\n", ping=0)
        self._on_close = on_close

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        completed = False

        async def watched(message: Message) -> None:
            nonlocal completed
            completed = message["type"] == "http.response.body" and not message.get("more_body", False)
            await send(message)

        try:
            await super().__call__(scope, receive, watched)
        finally:
            self._on_close()
        if not completed:
            raise DropConnection


def _streamed_create(method: str, path: str, body: Any) -> bool:
    return (
        method == "POST"
        and path.endswith("/chat/completions")
        and isinstance(body, dict)
        and body.get("stream") is True
    )


def _fault_error(fault: Fault) -> APIError:
    headers = {"x-should-retry": fault.should_retry} if fault.should_retry else {}
    if fault.status == 429:
        return APIError(
            429,
            "Rate limit reached (injected by the local server).",
            code="rate_limit_exceeded",
            type="requests",
            headers={"retry-after": f"{fault.seconds:g}", **headers},
        )
    if fault.status >= 500:
        return APIError(
            fault.status,
            f"The server had an error while processing your request (injected {fault.spec} by the local server).",
            code="service_unavailable" if fault.status == 503 else "server_error",
            headers=headers,
        )
    return APIError(
        fault.status, f"Injected {fault.spec} by the local server.", code="injected_fault", headers=headers
    )


def _unknown_after(after: str | None) -> APIError:
    return APIError(
        404, f"No item found with id '{after}' (used as the 'after' cursor).", param="after", code="not_found"
    )


def _page(items: list[dict[str, Any]], has_more: bool) -> dict[str, Any]:
    return {
        "object": "list",
        "data": items,
        "first_id": items[0]["id"] if items else None,
        "last_id": items[-1]["id"] if items else None,
        "has_more": has_more,
    }


def _query_value(query: bytes, name: str) -> str:
    from urllib.parse import parse_qs

    values = parse_qs(query.decode("latin-1")).get(name)
    return values[0] if values else ""


async def _wait_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def create_app(config: ServerConfig | None = None) -> LocalServer:
    """The ASGI app of the local server."""
    return LocalServer(config or ServerConfig())


def _log_exchange(entry: dict[str, Any], request_id: str, started: float) -> None:
    """One answered API request, from its (masked) request-log entry."""
    log.debug(
        "%s %s%s: HTTP %s, request id %s, %.1f ms",
        entry["method"],
        entry["path"],
        f"?{entry['query']}" if entry["query"] else "",
        entry["status"],
        request_id,
        (time.perf_counter() - started) * 1000,
    )
    if log.isEnabledFor(TRACE):
        raw = entry.get("response_raw") or b""
        log.log(TRACE, "request %s body: %s", request_id, json.dumps(entry["body"]))
        log.log(TRACE, "request %s answer: %s", request_id, raw.decode("utf-8", "replace"))
