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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, Router
from starlette.types import Message, Receive, Scope, Send

from terraform_provider_openai.localserver._errors import APIError, invalid, not_found
from terraform_provider_openai.localserver._faults import FAULT_HEADER, Fault, FaultQueue, parse_fault
from terraform_provider_openai.localserver._generate import build_completion, stored_messages, stored_settings
from terraform_provider_openai.localserver._recorder import Recorder, key_from_headers
from terraform_provider_openai.localserver._store import Store, UnknownAfter
from terraform_provider_openai.localserver._validation import list_params, validate_create, validate_update

#: Each API exchange at DEBUG (method, path, status, request id, duration), bodies at TRACE (5, as
#: uvicorn's --log-level trace), both from the request log's masked copy: keys never reach them.
log = logging.getLogger(__name__)
TRACE = 5

_ALNUM = string.ascii_letters + string.digits
_BODY_KEY = "localserver.body"
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
                recording.status(message["status"])
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            elif message["type"] == "http.response.body":
                recording.add_body(message.get("body", b""), message.get("more_body", False))
                if started is not None and not message.get("more_body", False):
                    _log_exchange(recording.entry, request_id, started)
            await send(message)

        try:
            fault = self._fault_for(headers, path)
        except APIError as exc:
            await _error(exc)(scope, receive, send_recorded)
            return

        if fault is not None and fault.kind == "drop":
            log.info(
                "%s %s: connection dropped (fault), request id %s",
                scope["method"],
                recording.entry["path"],
                request_id,
            )
            await self._drop(receive, send)
            return
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

    async def _drop(self, receive: Receive, send: Send) -> None:
        """Close the connection without an answer (the client sees a connection error)."""
        transport = getattr(getattr(send, "__self__", None), "transport", None)
        if transport is not None:
            transport.abort()
            await _wait_disconnect(receive)
            return
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
        validate_create(body, model_required=deployment is None)
        if body.get("stream"):
            raise invalid(
                "stream", "Streaming (stream=true) is not supported by the local server.", "unsupported_value"
            )
        if self.config.latency_ms:
            await asyncio.sleep(self.config.latency_ms / 1000)
        completion_id = _new_id("chatcmpl-", 29)
        completion = build_completion(
            body,
            completion_id=completion_id,
            created=int(time.time()),
            model=body.get("model") or deployment or "",
        )
        if body.get("store"):
            self.store.add(
                {**completion, **stored_settings(body)}, stored_messages(completion_id, body["messages"])
            )
        return _json(200, completion)

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


def _fault_error(fault: Fault) -> APIError:
    if fault.status == 429:
        return APIError(
            429,
            "Rate limit reached (injected by the local server).",
            code="rate_limit_exceeded",
            type="requests",
            headers={"retry-after": f"{fault.seconds:g}"},
        )
    if fault.status >= 500:
        return APIError(
            fault.status,
            f"The server had an error while processing your request (injected {fault.spec} by the local server).",
            code="service_unavailable" if fault.status == 503 else "server_error",
        )
    return APIError(fault.status, f"Injected {fault.spec} by the local server.", code="injected_fault")


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
