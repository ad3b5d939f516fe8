"""Python's cyclic garbage collector around the provider's bursts of imports.

A provider process imports a lot at once and keeps it until it ends: grpc, protobuf and its own
modules while it starts (Terraform starts three to five provider processes per command), the
openai SDK's ~1000 pydantic models before the first API call. The collector kept scanning those
objects while they were made (~8% of the time to the handshake, ~12% of the SDK's import), and
every later full collection scanned them again. So: the collector is off while they are made
(``main`` turns it off first thing in plugin mode; :func:`collector_off` around an import), then
they are frozen out of its sight (``gc.freeze``) and it is turned back on.

Two threads take part: the runner's loading thread says when the provider has loaded
(:func:`loaded`), and a call may import the SDK at the same moment. A lock and a count of the
imports in progress keep the collector off until the last one ends, and on afterwards if it was
meant to be.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_imports = 0  # imports running with the collector off (collector_off)
_on_after = False  # turn the collector on when the last of them ends


def loaded() -> None:
    """The provider has loaded (or failed to): freeze what the start-up made and turn the collector
    on, now or, if an import is running with it off, when that import ends."""
    global _on_after
    with _lock:
        gc.freeze()
        if _imports:
            _on_after = True
        else:
            gc.enable()


@contextlib.contextmanager
def collector_off() -> Iterator[None]:
    """Run a burst of imports with the collector off; afterwards freeze what it made and leave the
    collector as it was (or as :func:`loaded` asked in the meantime)."""
    global _imports, _on_after
    with _lock:
        _on_after = _on_after or gc.isenabled()
        gc.disable()
        _imports += 1
    try:
        yield
    finally:
        with _lock:
            gc.freeze()
            _imports -= 1
            if not _imports and _on_after:
                _on_after = False
                gc.enable()
