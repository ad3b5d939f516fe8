"""Fault injection: per request (header ``x-localserver-fault``) or for the next N requests.

Kinds: ``429`` (``429:S`` sets ``Retry-After: S``, default 0), any other status 400..599 such
as ``500`` or ``503``, ``500-after-store`` (do the work, store it, then answer 500),
``timeout`` / ``timeout:S`` (hold the request S seconds, default 30, then answer normally;
other requests are not blocked), ``drop`` (close the connection without an answer). A status kind
or ``500-after-store`` may end in ``/retry`` or ``/no-retry``: the answer then carries
``x-should-retry: true`` or ``false``, the header with which the API tells clients whether to retry.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

FAULT_HEADER = "x-localserver-fault"
DEFAULT_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Fault:
    kind: str  # "status" | "after-store" | "timeout" | "drop"
    spec: str
    status: int = 0
    seconds: float = 0.0
    #: "true" or "false": the `x-should-retry` header of the answer; "" for none
    should_retry: str = ""


def parse_fault(text: str) -> Fault:
    """Parse a fault kind; ValueError when it is not one."""
    spec = text.strip().lower()
    base, slash, modifier = spec.partition("/")
    if slash:
        if modifier not in _SHOULD_RETRY:
            raise ValueError(f"unknown fault modifier {modifier!r} in {text!r}: use /retry or /no-retry")
        fault = parse_fault(base)
        if fault.kind not in ("status", "after-store"):
            raise ValueError(f"{text!r}: /retry and /no-retry go with a status or 500-after-store")
        return Fault(fault.kind, spec, fault.status, fault.seconds, _SHOULD_RETRY[modifier])
    name, _, arg = spec.partition(":")
    if name == "500-after-store" and not arg:
        return Fault("after-store", spec, status=500)
    if name == "drop" and not arg:
        return Fault("drop", spec)
    if name == "timeout":
        seconds = float(arg) if arg else DEFAULT_TIMEOUT_S
        if seconds < 0:
            raise ValueError(spec)
        return Fault("timeout", spec, seconds=seconds)
    if name.isdigit() and 400 <= int(name) <= 599:
        seconds = float(arg) if arg else 0.0
        if arg and name != "429":
            raise ValueError(spec)
        return Fault("status", spec, status=int(name), seconds=seconds)
    raise ValueError(
        f"unknown fault kind {text!r}: use 429[:S], 500, 503, 4xx/5xx, 500-after-store, timeout[:S] or drop"
        " (a status or 500-after-store may end in /retry or /no-retry)"
    )


_SHOULD_RETRY = {"retry": "true", "no-retry": "false"}


@dataclass
class _Queued:
    fault: Fault
    remaining: int
    path_prefix: str | None


class FaultQueue:
    """Count-based faults, first match wins, each matching request uses one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[_Queued] = []

    def add(self, fault: Fault, count: int, path_prefix: str | None) -> None:
        with self._lock:
            self._items.append(_Queued(fault, count, path_prefix))

    def take(self, path: str) -> Fault | None:
        if not self._items:
            return None
        with self._lock:
            for item in self._items:
                if item.path_prefix is None or path.startswith(item.path_prefix):
                    item.remaining -= 1
                    if item.remaining <= 0:
                        self._items.remove(item)
                    return item.fault
        return None

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def describe(self) -> list[dict[str, Any]]:
        with self._lock:
            return [
                {"kind": i.fault.spec, "remaining": i.remaining, "path_prefix": i.path_prefix}
                for i in self._items
            ]
