"""Stored completions in SQLite (``:memory:`` by default, a file with ``--db``).

One connection, guarded by a lock, so it is safe from any thread; the app calls it from the
event loop. Order is creation order (an autoincrement ``seq``).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Mapping
from typing import Any

_Rows = list[dict[str, Any]]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS completions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    model TEXT NOT NULL,
    completion TEXT NOT NULL,
    messages TEXT NOT NULL
)
"""


class UnknownAfter(LookupError):
    """The ``after`` cursor names no stored item."""


class Store:
    def __init__(self, path: str | None = None) -> None:
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path or ":memory:", check_same_thread=False, isolation_level=None)
        if path:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def add(self, completion: Mapping[str, Any], messages: list[dict[str, Any]]) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO completions (id, model, completion, messages) VALUES (?, ?, ?, ?)",
                (completion["id"], completion["model"], json.dumps(completion), json.dumps(messages)),
            )

    def get(self, completion_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT completion FROM completions WHERE id = ?", (completion_id,)
            ).fetchone()
        return json.loads(row[0]) if row else None

    def update_metadata(self, completion_id: str, metadata: dict[str, str]) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT completion FROM completions WHERE id = ?", (completion_id,)
            ).fetchone()
            if row is None:
                return None
            completion: dict[str, Any] = json.loads(row[0])
            completion["metadata"] = metadata
            self._db.execute(
                "UPDATE completions SET completion = ? WHERE id = ?", (json.dumps(completion), completion_id)
            )
        return completion

    def delete(self, completion_id: str) -> bool:
        with self._lock:
            return self._db.execute("DELETE FROM completions WHERE id = ?", (completion_id,)).rowcount > 0

    def clear(self) -> None:
        with self._lock:
            self._db.execute("DELETE FROM completions")

    def page(
        self,
        *,
        model: str | None,
        metadata: Mapping[str, str],
        after: str | None,
        limit: int,
        order: str,
    ) -> tuple[_Rows, bool]:
        """Up to ``limit`` completions after the cursor, and whether more follow."""
        op, direction = (">", "ASC") if order == "asc" else ("<", "DESC")
        sql = "SELECT completion FROM completions WHERE 1 = 1"
        args: list[Any] = []
        with self._lock:
            if after is not None:
                row = self._db.execute("SELECT seq FROM completions WHERE id = ?", (after,)).fetchone()
                if row is None:
                    raise UnknownAfter(after)
                sql += f" AND seq {op} ?"
                args.append(row[0])
            if model is not None:
                sql += " AND model = ?"
                args.append(model)
            sql += f" ORDER BY seq {direction}"
            found: _Rows = []
            for (raw,) in self._db.execute(sql, args):
                completion = json.loads(raw)
                stored = completion.get("metadata") or {}
                if all(stored.get(k) == v for k, v in metadata.items()):
                    found.append(completion)
                    if len(found) > limit:
                        break
        return found[:limit], len(found) > limit

    def messages(self, completion_id: str) -> list[dict[str, Any]] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT messages FROM completions WHERE id = ?", (completion_id,)
            ).fetchone()
        return json.loads(row[0]) if row else None
