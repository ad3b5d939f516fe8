"""Log lines Terraform understands: go-hclog's JSON format on stderr, at the level Terraform asked for.

Terraform reads a plugin's stderr line by line through go-plugin. A line that is a JSON object with
``@level``, ``@message`` and ``@timestamp`` (go-hclog's ``JSONFormat``) is logged again by Terraform
at that level, under the plugin's name, with the other keys as ``key=value`` pairs; any other line
is logged at DEBUG whatever it says. Terraform then drops what is below the provider log level,
``TF_LOG_PROVIDER`` or else ``TF_LOG`` (both reach the plugin through its inherited environment),
so the provider reads the same variables and does not even format what would be dropped: with
neither set, Terraform shows no provider log and the provider writes none.

Fields go in ``extra={"fields": {...}}`` (see :func:`fields`); string values, like the message,
pass through the ``mask`` the formatter is given.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Mapping
from typing import Any

#: Below DEBUG: request and response bodies. Python has no such level; hclog does.
TRACE = 5
logging.addLevelName(TRACE, "TRACE")

#: Terraform's log levels (``TF_LOG``), as Python levels; None is ``OFF``.
LEVELS: dict[str, int | None] = {
    "TRACE": TRACE,
    "JSON": TRACE,  # Terraform's own JSON output, at TRACE
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "WARN": logging.WARNING,
    "ERROR": logging.ERROR,
    "OFF": None,
}

_HCLOG_NAMES = ((logging.ERROR, "error"), (logging.WARNING, "warn"), (logging.INFO, "info"))
#: Logger name prefix replaced by ``provider`` in ``@module`` (Go providers log as ``provider``).
_PACKAGE = "terraform_provider_openai"
_RESERVED = ("@level", "@message", "@module", "@timestamp")


def level_from_env(environ: Mapping[str, str] | None = None) -> int | None:
    """The provider's log level as Terraform computes it: ``TF_LOG_PROVIDER``, else ``TF_LOG``;
    unset is OFF (None) and an unknown value is TRACE, as in Terraform."""
    env = os.environ if environ is None else environ
    value = (env.get("TF_LOG_PROVIDER") or env.get("TF_LOG") or "").strip().upper()
    if not value:
        return None
    return LEVELS.get(value, TRACE)


def hclog_level(levelno: int) -> str:
    for floor, name in _HCLOG_NAMES:
        if levelno >= floor:
            return name
    return "debug" if levelno >= logging.DEBUG else "trace"


def fields(**values: Any) -> dict[str, Any]:
    """``extra=`` for a log call: ``log.debug("...", extra=fields(status=200))``."""
    return {"fields": values}


class Formatter(logging.Formatter):
    """One go-hclog JSON object per record, on one line."""

    def __init__(self, mask: Callable[[str], str] = lambda text: text) -> None:
        super().__init__()
        self._mask = mask

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            message = f"{message}\n{record.exc_text}"
        module = (
            record.name.replace(_PACKAGE, "provider", 1) if record.name.startswith(_PACKAGE) else record.name
        )
        seconds = int(record.created)
        line: dict[str, Any] = {
            "@level": hclog_level(record.levelno),
            "@message": self._mask(message),
            "@module": module,
            # go-plugin parses exactly this layout (Go's 2006-01-02T15:04:05.000000Z07:00) or
            # logs the whole line at DEBUG
            "@timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
            + f".{int((record.created - seconds) * 1_000_000):06d}Z",
        }
        for key, value in (getattr(record, "fields", None) or {}).items():
            if key in _RESERVED:
                continue
            if isinstance(value, bool | int | float) or value is None:
                line[key] = value
            else:
                line[key] = self._mask(value if isinstance(value, str) else str(value))
        return json.dumps(line, ensure_ascii=False, default=str)
