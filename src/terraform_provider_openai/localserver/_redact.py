"""Keeping keys out of the request log and the server's own logs.

A :class:`Redactor` knows some secrets (the configured ``--api-key``, the key a request sent) and
replaces every occurrence of them with ``***``: as sent, URL-encoded and JSON-escaped. A secret
of 8 characters or more is masked wherever it appears; a shorter one only where it stands
alone (not inside a longer word), so that a toy key such as ``k`` does not turn ``"model"``
into ``"mode***"``. :func:`mask_query_params` masks the values of query parameters that carry
keys (``api-key=...``), whoever sent them. :class:`LogRedactor` applies both to log records.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus

MASK = "***"
MIN_MASKED_ANYWHERE = 8

# Headers whose whole value is a credential.
SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "api-key", "x-api-key", "ocp-apim-subscription-key"}
)

_SEP = r"(?:-|_|%2[dD]|%5[fF])?"
_PARAM_NAMES = rf"(?:x{_SEP})?(?:api{_SEP}key|key|access{_SEP}token|token|subscription{_SEP}key)"
# A parameter starts the text or follows ? & ; a quote or a space (as in a logged b'api-key=...').
_SECRET_PARAM = re.compile(rf"""(?i)(?<![^?&;'"\s])({_PARAM_NAMES}(?:=|%3[dD]))([^&;#\s'"]+)""")
_PARAM_KEYS = frozenset({"apikey", "xapikey", "key", "accesstoken", "token", "subscriptionkey"})


def is_secret_param(name: str) -> bool:
    """Whether a (decoded) query parameter name carries a key: api-key, api_key, key, token, ..."""
    return name.lower().replace("-", "").replace("_", "") in _PARAM_KEYS


def secret_param_values(query: str) -> list[str]:
    """The values of the key-carrying parameters of a query string."""
    try:
        pairs = parse_qsl(query, keep_blank_values=False)
    except ValueError:
        return []
    return [value for name, value in pairs if value and is_secret_param(name)]


def mask_query_params(text: str) -> str:
    """``api-key=VALUE`` (and api_key, key, token, access_token, ...) becomes ``api-key=***``."""
    if "=" not in text and "%3" not in text:
        return text
    return _SECRET_PARAM.sub(lambda m: m.group(1) + MASK, text)


def _forms(secret: str) -> set[str]:
    """How ``secret`` can be written: as is, URL-encoded, JSON-escaped."""
    return {
        secret,
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret, safe=""),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
    }


@functools.lru_cache(maxsize=64)
def _matcher(secrets: frozenset[str]) -> tuple[re.Pattern[str] | None, tuple[bytes, ...]]:
    """The pattern matching every form of ``secrets``, and those forms as bytes.

    Cached: clients send the same key on every request, and building this is most of the cost
    of recording a request.
    """
    forms: set[str] = set()
    for secret in secrets:
        forms |= _forms(secret)
    ordered = sorted(forms, key=len, reverse=True)
    parts = [
        re.escape(f) if len(f) >= MIN_MASKED_ANYWHERE else rf"(?<![\w.-]){re.escape(f)}(?![\w.-])"
        for f in ordered
    ]
    return (re.compile("|".join(parts)) if parts else None), tuple(f.encode() for f in ordered)


class Redactor:
    """Masks the given secrets (empty and None ones are ignored) in text and JSON values."""

    def __init__(self, secrets: Iterable[str | None]) -> None:
        self._pattern, self._needles = _matcher(frozenset(s for s in secrets if s))

    def __bool__(self) -> bool:
        return self._pattern is not None

    def text(self, value: str, *, params: bool = False) -> str:
        """``value`` with the secrets masked (and key-carrying query parameters with ``params``)."""
        if self._pattern is not None:
            value = self._pattern.sub(MASK, value)
        return mask_query_params(value) if params else value

    def json(self, value: Any) -> Any:
        """A copy of a parsed JSON value with the secrets masked in every string and key."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(k): self.json(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.json(v) for v in value]
        return value

    def may_occur(self, raw: bytes) -> bool:
        """False when no secret can be in ``raw`` (a JSON text): no form of one, no escape."""
        return self._pattern is not None and (b"\\" in raw or any(n in raw for n in self._needles))


class LogRedactor(logging.Filter):
    """A handler filter: the secrets and key-carrying query parameters never reach a log line.

    It masks the message, its string arguments (other arguments are replaced by their masked
    ``str``, numbers are kept so ``%d`` still works) and the exception text.
    """

    def __init__(self, secrets: Iterable[str | None]) -> None:
        super().__init__()
        self._redactor = Redactor(secrets)

    def _arg(self, value: Any) -> Any:
        if value is None or isinstance(value, int | float):
            return value
        return self._redactor.text(value if isinstance(value, str) else str(value), params=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = self._redactor.text(record.msg, params=True)
        if isinstance(record.args, Mapping):
            record.args = {k: self._arg(v) for k, v in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(self._arg(a) for a in record.args)
        if record.exc_info and not record.exc_text:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = self._redactor.text(text, params=True)
        return True


def install_log_redactor(secrets: Iterable[str | None]) -> LogRedactor:
    """Attach a :class:`LogRedactor` to every handler configured now (and the last-resort one)."""
    redactor = LogRedactor(secrets)
    loggers = [logging.getLogger()] + [
        logger for logger in logging.Logger.manager.loggerDict.values() if isinstance(logger, logging.Logger)
    ]
    handlers = {id(h): h for logger in loggers for h in logger.handlers}
    if logging.lastResort is not None:
        handlers[id(logging.lastResort)] = logging.lastResort
    for handler in handlers.values():
        handler.addFilter(redactor)
    return redactor
