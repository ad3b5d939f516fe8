"""The log of requests to ``/v1`` and ``/openai`` (and their answers) served by ``GET /_admin/requests``.

Keys are never kept: ``authorization`` and ``api-key`` header values become ``***`` and the
record carries ``auth_sha256``, the SHA-256 of the key that was sent (bearer token or api-key).
"""

from __future__ import annotations

import hashlib
import json
from collections import deque
from typing import Any

MAX_RECORDS = 10_000
_SECRET_HEADERS = ("authorization", "api-key")


def key_from_headers(headers: dict[str, str]) -> str | None:
    auth = headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    return headers.get("api-key") or None


class Recorder:
    def __init__(self, max_records: int = MAX_RECORDS) -> None:
        self._records: deque[dict[str, Any]] = deque(maxlen=max_records)

    def record(
        self, method: str, path: str, query: str, headers: dict[str, str], body: bytes
    ) -> dict[str, Any]:
        key = key_from_headers(headers)
        shown = dict(headers)
        for name in _SECRET_HEADERS:
            if name in shown:
                shown[name] = "***"
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = None
        entry: dict[str, Any] = {
            "method": method,
            "path": path,
            "query": query,
            "headers": shown,
            "auth_sha256": hashlib.sha256(key.encode()).hexdigest() if key else None,
            "body": parsed,
            "status": None,
            "response_chunks": [],
        }
        self._records.append(entry)
        return entry

    def all(self) -> list[dict[str, Any]]:
        """The records as served: ``response`` is the parsed JSON answer (null if none)."""
        result = []
        for entry in list(self._records):
            shown = {k: v for k, v in entry.items() if k != "response_chunks"}
            raw = b"".join(entry["response_chunks"])
            try:
                shown["response"] = json.loads(raw) if raw else None
            except ValueError:
                shown["response"] = None
            result.append(shown)
        return result

    def clear(self) -> None:
        self._records.clear()
