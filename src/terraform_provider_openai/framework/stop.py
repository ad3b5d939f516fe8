"""Graceful stop: what a Go provider's StopContext is, for this process.

Terraform answers the first Ctrl-C by calling StopProvider on every provider and then waiting
for the operations in flight. A careful Go provider records the stop (its StopContext is
cancelled), starts no new work and lets work already under way finish where stopping it would
lose something. This module is that record, one per process:

* :func:`request_stop` is called by the StopProvider RPC; it starts the grace period;
* :func:`stopping` tells whether new work may still start (and :meth:`StopController.sleep`
  waits between retries unless a stop comes);
* :func:`wait` waits for a call already in flight, until it ends or until the grace period after a
  stop has run out; then it raises :class:`StopGraceExpired` and the caller saves what it knows.

The grace period is ``TF_PROVIDER_OPENAI_STOP_GRACE`` seconds (default 30) after the stop.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future
from concurrent.futures import wait as wait_futures
from typing import Any, TypeVar

T = TypeVar("T")

DEFAULT_GRACE_S = 30.0
GRACE_ENV = "TF_PROVIDER_OPENAI_STOP_GRACE"


class StopGraceExpired(Exception):
    """Terraform asked the provider to stop and the call in flight did not end within the grace period."""

    def __init__(self, grace: float) -> None:
        super().__init__(f"Terraform asked the provider to stop and the call did not end within {grace:g} s")
        self.grace = grace


def _grace_from_env() -> float:
    try:
        value = float(os.environ.get(GRACE_ENV, DEFAULT_GRACE_S))
    except ValueError:
        return DEFAULT_GRACE_S
    return value if value >= 0 else DEFAULT_GRACE_S


class StopController:
    def __init__(self, grace: float | None = None) -> None:
        self.grace = _grace_from_env() if grace is None else grace
        self._stopped = threading.Event()
        self._expired: Future[None] = Future()
        self._lock = threading.Lock()

    def request_stop(self) -> None:
        """Record a stop (idempotent) and start the grace period."""
        with self._lock:
            if self._stopped.is_set():
                return
            self._stopped.set()
        timer = threading.Timer(self.grace, self._expire)
        timer.daemon = True
        timer.start()

    def _expire(self) -> None:
        if not self._expired.done():
            self._expired.set_result(None)

    def stopping(self) -> bool:
        return self._stopped.is_set()

    def sleep(self, seconds: float) -> bool:
        """Wait ``seconds``; False at once when a stop is (or gets) requested."""
        return not self._stopped.wait(seconds)

    def wait(self, future: Future[T]) -> T:
        """The future's result; raises StopGraceExpired when the grace period after a stop ends first."""
        pending: list[Future[Any]] = [future, self._expired]
        done, _ = wait_futures(pending, return_when=FIRST_COMPLETED)
        if future in done:
            return future.result()
        raise StopGraceExpired(self.grace)

    def run(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` in its own thread and :meth:`wait` for it (the thread goes on after an expiry)."""
        future: Future[T] = Future()

        def target() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(fn())
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting caller
                future.set_exception(exc)

        _WORKERS.submit(target)
        return self.wait(future)


class _Workers:
    """Daemon threads for :meth:`StopController.run`, kept for the next call when one ends.

    Daemon, so that a call abandoned after a stop's grace period never holds up the process's exit
    (a ``ThreadPoolExecutor`` joins its threads at exit); reused, because a thread started per API
    call cost its start-up and a GIL hand-off on every create. There are never more threads than
    calls that ran at once (Terraform's ``-parallelism``)."""

    def __init__(self) -> None:
        self._tasks: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._idle = 0

    def submit(self, task: Callable[[], None]) -> None:
        with self._lock:
            start = self._idle == 0
            if not start:
                self._idle -= 1  # that idle thread takes this task
        self._tasks.put(task)
        if start:
            threading.Thread(target=self._work, name="tfpo-call", daemon=True).start()

    def _work(self) -> None:
        while True:
            self._tasks.get()()
            with self._lock:
                self._idle += 1


_WORKERS = _Workers()


_CONTROLLER = StopController()


def controller() -> StopController:
    return _CONTROLLER


def request_stop() -> None:
    _CONTROLLER.request_stop()


def stopping() -> bool:
    return _CONTROLLER.stopping()
