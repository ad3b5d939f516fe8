"""Fixtures of the local server suite: one server per module, reset before each test, and every
answer the server gave during a test validated against the official spec's response schemas.
"""

from __future__ import annotations

import copy
import json
import re
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

_REPO = Path(__file__).resolve().parents[2]
if str(_REPO) not in sys.path:  # make `tests.support` importable however pytest was started
    sys.path.insert(0, str(_REPO))

from tests.support.localserver import LocalServer  # noqa: E402

from terraform_provider_openai import spec as vendored  # noqa: E402

API_KEY = "sk-local-test"
_ROLES = ["developer", "system", "user", "assistant", "tool", "function"]


@cache
def spec() -> dict[str, Any]:
    """The vendored spec as JSON Schema, loosened where answers legitimately differ from it."""
    doc = vendored.json_schema_document()
    schemas = doc["components"]["schemas"]
    # Stored input messages have every role; the spec reuses the assistant-only response message.
    message = copy.deepcopy(schemas["ChatCompletionResponseMessage"])
    message["properties"]["role"] = {"type": "string", "enum": _ROLES}
    schemas["StoredMessage"] = message
    schemas["ChatCompletionMessageList"]["properties"]["data"]["items"]["allOf"][0] = {
        "$ref": "#/components/schemas/StoredMessage"
    }
    # first_id/last_id are null for an empty page.
    for name in ("ChatCompletionList", "ChatCompletionMessageList"):
        for key in ("first_id", "last_id"):
            schemas[name]["properties"][key] = {"type": ["string", "null"]}
    return doc


@cache
def validator(schema_name: str) -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator({**spec(), "$ref": f"#/components/schemas/{schema_name}"})


def assert_valid(instance: Any, schema_name: str) -> None:
    errors = sorted(validator(schema_name).iter_errors(instance), key=lambda e: list(e.path))
    assert not errors, f"{schema_name}: " + "; ".join(
        f"{list(e.path)}: {e.message[:300]}" for e in errors[:5]
    )


_ITEM = re.compile(r"^/(?:v1|openai(?:/deployments/[^/]+)?)/chat/completions(/[^/]+)?(/messages)?$")


def response_schema(method: str, path: str, status: int) -> str | None:
    """The spec schema of the answer to ``method path`` with ``status``."""
    if status >= 400:
        return "ErrorResponse"
    match = _ITEM.match(path)
    if match is None:
        return None
    item, messages = match.groups()
    if messages:
        return "ChatCompletionMessageList"
    if item is None:
        return "CreateChatCompletionResponse" if method == "POST" else "ChatCompletionList"
    return "ChatCompletionDeleted" if method == "DELETE" else "CreateChatCompletionResponse"


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer.start() as srv:
        yield srv


@pytest.fixture(autouse=True)
def _validated_answers(request: pytest.FixtureRequest) -> Iterator[None]:
    """Reset the module's server, run the test, then check every answer against the spec."""
    if "server" not in request.fixturenames:
        yield
        return
    srv: LocalServer = request.getfixturevalue("server")
    srv.reset()
    yield
    checked = check_answers(srv)
    request.node.user_properties.append(("spec_checked_answers", checked))


STREAM_CHUNK = "CreateChatCompletionStreamResponse"


def check_answers(srv: LocalServer) -> int:
    """Validate every answer ``srv`` recorded against the spec (each chunk of a streamed one);
    returns how many answers were checked."""
    checked = 0
    for record in srv.requests():
        name = response_schema(record["method"], record["path"], record["status"] or 0)
        if record["status"] is None or record["response"] is None or name is None:
            continue
        if isinstance(record["response"], list):  # server-sent events: chunks, then "[DONE]"
            check_stream(record["response"])
        else:
            assert_valid(record["response"], name)
        checked += 1
    return checked


def check_stream(events: list[Any]) -> None:
    """Every event but a final ``[DONE]`` is a chunk valid against the spec."""
    chunks = events[:-1] if events and events[-1] == "[DONE]" else events
    for chunk in chunks:
        assert isinstance(chunk, dict), f"not a chunk: {chunk!r}"
        assert_valid(chunk, STREAM_CHUNK)


def raw_request(
    url: str,
    body: Any = None,
    *,
    method: str | None = None,
    headers: dict[str, str] | None = None,
    data: bytes | None = None,
) -> tuple[int, Any, dict[str, str]]:
    """Send JSON with urllib; return (status, parsed JSON answer, lowercased headers)."""
    payload = data if data is not None else (None if body is None else json.dumps(body).encode())
    req = urllib.request.Request(
        url, data=payload, method=method or ("POST" if payload is not None else "GET")
    )
    req.add_header("content-type", "application/json")
    for key, value in (headers or {}).items():
        req.add_header(key, value)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return (
                resp.status,
                json.loads(resp.read() or b"null"),
                {k.lower(): v for k, v in resp.headers.items()},
            )
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null"), {k.lower(): v for k, v in exc.headers.items()}


def user(text: str) -> dict[str, str]:
    return {"role": "user", "content": text}
