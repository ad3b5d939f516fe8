"""The log of requests to ``/v1`` and ``/openai`` (and their answers) served by ``GET /_admin/requests``.

Keys are never kept. Credential headers (``authorization``, ``api-key``, ...) become ``***``;
every occurrence of the configured key and of the key the request sent (bearer token, api-key
header, ``api-key``/``key``/``token`` query parameters) becomes ``***`` in the path, the query,
the other headers, the body and the answer; key-carrying query parameters are ``***`` whatever
their value. The record carries ``auth_sha256``, the SHA-256 of the key that was sent (bearer
token or api-key), so a test can still tell which key was used.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import deque
from collections.abc import Iterable
from typing import Any

from terraform_provider_openai.localserver._redact import (
    MASK,
    SECRET_HEADERS,
    Redactor,
    secret_param_values,
)

MAX_RECORDS = 10_000
_STREAM = "_stream"  # an entry whose answer is a stream of server-sent events (not shown)
_EVENT_END = re.compile(r"\r\n\r\n|\n\n|\r\r")


def key_from_headers(headers: dict[str, str]) -> str | None:
    auth = headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    return headers.get("api-key") or None


def _sent_secrets(query: str, headers: dict[str, str]) -> list[str]:
    """Every key the request carries: credential header values (and their token part), key params."""
    found = []
    for name in SECRET_HEADERS:
        value = headers.get(name)
        if value:
            found.append(value.strip())
            scheme, _, credential = value.strip().partition(" ")
            if credential.strip():
                found.append(credential.strip())
    return found + secret_param_values(query)


class Recording:
    """One request being recorded: collects the answer and masks it once it is complete (or cut)."""

    __slots__ = ("entry", "body", "_redactor", "_chunks")

    def __init__(self, entry: dict[str, Any], body: Any, redactor: Redactor) -> None:
        self.entry = entry
        self.body = body  # the parsed request body, unmasked: what the app works on
        self._redactor: Redactor | None = redactor
        self._chunks: list[bytes] = []

    def status(self, status: int, headers: Iterable[tuple[bytes, bytes]] = ()) -> None:
        self.entry["status"] = status
        for name, value in headers:
            if name.lower() == b"content-type" and value.startswith(b"text/event-stream"):
                self.entry[_STREAM] = True

    def add_body(self, chunk: bytes, more_body: bool) -> None:
        if self._redactor is None:
            return
        self._chunks.append(chunk)
        if not more_body:
            self.finish()

    def finish(self) -> None:
        """Keep the answer as it stands: called when it is complete, and when the request ends
        without completing it (a stream cut by a fault or a client that went away)."""
        if self._redactor is None:
            return
        raw = b"".join(self._chunks)
        if raw and self._redactor.may_occur(raw):
            raw = _masked(raw, self._redactor, json_text=not self.entry.get(_STREAM))
        self.entry["response_raw"] = raw
        self._chunks = []
        self._redactor = None  # no key outlives the request


def _masked(raw: bytes, redactor: Redactor, *, json_text: bool) -> bytes:
    if json_text:
        try:
            return json.dumps(redactor.json(json.loads(raw))).encode()
        except ValueError:
            pass
    return redactor.text(raw.decode("utf-8", "replace")).encode()


def _event_data(raw: bytes) -> list[Any]:
    """The ``data`` of each server-sent event in ``raw``: parsed JSON, else the text (``[DONE]``)."""
    found: list[Any] = []
    for block in _EVENT_END.split(raw.decode("utf-8", "replace")):
        lines = [line[5:].removeprefix(" ") for line in block.splitlines() if line.startswith("data:")]
        if lines:
            text = "\n".join(lines)
            try:
                found.append(json.loads(text))
            except ValueError:
                found.append(text)
    return found


class Recorder:
    def __init__(self, max_records: int = MAX_RECORDS, secrets: Iterable[str | None] = ()) -> None:
        self._records: deque[dict[str, Any]] = deque(maxlen=max_records)
        self._secrets = [s for s in secrets if s]

    def record(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> Recording:
        key = key_from_headers(headers)
        redactor = Redactor([*self._secrets, *_sent_secrets(query, headers)])
        shown = {
            redactor.text(name): MASK if name in SECRET_HEADERS else redactor.text(value, params=True)
            for name, value in headers.items()
        }
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = None
        entry: dict[str, Any] = {
            "method": method,
            "path": redactor.text(path),
            "query": redactor.text(query, params=True),
            "headers": shown,
            "auth_sha256": hashlib.sha256(key.encode()).hexdigest() if key else None,
            "body": redactor.json(parsed) if redactor.may_occur(body) else parsed,
            "status": None,
            "response_raw": None,
        }
        self._records.append(entry)
        return Recording(entry, parsed, redactor)

    def all(self) -> list[dict[str, Any]]:
        """The records as served: ``response`` is the parsed JSON answer (null if none)."""
        result = []
        for entry in list(self._records):
            shown = {k: v for k, v in entry.items() if k not in ("response_raw", _STREAM)}
            raw = entry["response_raw"]
            if entry.get(_STREAM):
                shown["response"] = _event_data(raw or b"")
                result.append(shown)
                continue
            try:
                shown["response"] = json.loads(raw) if raw else None
            except ValueError:
                shown["response"] = None
            result.append(shown)
        return result

    def clear(self) -> None:
        self._records.clear()
