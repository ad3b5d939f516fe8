"""Mask secrets (API keys, Azure keys, Entra tokens, default header values) in any text.

One function, :func:`mask`, used by the API error mapping (``client.py``), by every diagnostic the
servicer returns and by :class:`SecretFilter`, the logging filter on the provider's stderr handler
(terraform copies that stream into its ``TF_LOG`` output).

A secret is masked in every form it is likely to take in an error message or a log line:

* as is, and escaped: Python ``repr`` of the text and of its UTF-8 bytes (``b'Bearer sk-...\\n'``),
  JSON, URL encoding (``%2B`` and ``%2b``), hex;
* base64 (standard and URL-safe), also inside a longer encoded text such as an
  ``Authorization: Basic`` header, whatever its byte offset there;
* in part: any run of 8 or more consecutive characters of any of those forms, e.g. OpenAI's own
  ``Incorrect API key provided: sk-abc12***...wxyz``.

Secrets shorter than 4 characters are never masked (they would mask ordinary words); secrets
shorter than 8 characters are masked only whole.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import os
import re
import threading
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

MASK = "***"
#: Shortest run of a secret's characters that is masked on its own.
MIN_RUN = 8
#: Shortest secret that is masked at all.
MIN_SECRET = 4
#: Environment variables holding secrets, masked even before the provider is configured.
SECRET_ENV = ("OPENAI_API_KEY", "AZURE_OPENAI_API_KEY", "AZURE_OPENAI_AD_TOKEN")

_registered: set[str] = set()
_lock = threading.Lock()


def _escaped_forms(secret: str) -> set[str]:
    raw = secret.encode("utf-8", "surrogatepass")
    forms = {
        secret,
        secret.strip(),
        repr(secret)[1:-1],
        repr(raw)[2:-1],
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret, safe=""),
    }
    forms |= {re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), f) for f in list(forms)}
    return {f for f in forms if f}


def _encoded_forms(secret: str) -> set[str]:
    """Base64 and hex: the whole encoding, and the part that does not depend on neighbouring bytes
    when the secret sits at any offset inside a longer encoded text."""
    raw = secret.encode("utf-8", "surrogatepass")
    forms = {raw.hex(), raw.hex().upper()}
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        forms.add(encode(raw).decode().rstrip("="))
        for offset in range(3):
            encoded = encode(b"\0" * offset + raw).decode()
            start = 4 if offset else 0
            end = (offset + len(raw)) // 3 * 4
            forms.add(encoded[start:end])
    return {f for f in forms if f}


class Masker:
    """Masks a fixed set of secrets; build once, call many times."""

    def __init__(self, secrets: Iterable[str]):
        windows: dict[int, set[str]] = {}
        for secret in {s for s in secrets if isinstance(s, str) and len(s.strip()) >= MIN_SECRET}:
            for form in _escaped_forms(secret):
                self._add(windows, form, whole_ok=len(form) >= MIN_SECRET)
            for form in _encoded_forms(secret):
                self._add(windows, form, whole_ok=False)
        self._windows = windows
        self._sizes = sorted(windows)
        chars = sorted({c for group in windows.values() for w in group for c in w})
        self._runs = (
            re.compile("[" + "".join(re.escape(c) for c in chars) + f"]{{{self._sizes[0]},}}")
            if chars
            else None
        )

    @staticmethod
    def _add(windows: dict[int, set[str]], form: str, whole_ok: bool) -> None:
        if len(form) >= MIN_RUN:
            group = windows.setdefault(MIN_RUN, set())
            group.update(form[i : i + MIN_RUN] for i in range(len(form) - MIN_RUN + 1))
        elif whole_ok:
            windows.setdefault(len(form), set()).add(form)

    def __call__(self, text: str) -> str:
        if self._runs is None or not text:
            return text
        spans: list[tuple[int, int]] = []
        for run in self._runs.finditer(text):
            chunk, base = run.group(0), run.start()
            for size in self._sizes:
                group = self._windows[size]
                for i in range(len(chunk) - size + 1):
                    if chunk[i : i + size] in group:
                        spans.append((base + i, base + i + size))
        if not spans:
            return text
        spans.sort()
        merged: list[list[int]] = []
        for start, end in spans:
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        out, pos = [], 0
        for start, end in merged:
            out += [text[pos:start], MASK]
            pos = end
        out.append(text[pos:])
        return "".join(out)


@functools.lru_cache(maxsize=32)
def _masker(secrets: frozenset[str]) -> Masker:
    return Masker(secrets)


def register(*secrets: str | None) -> None:
    """Mask these secrets from now on, in this process (the provider calls it at configure)."""
    with _lock:
        _registered.update(s for s in secrets if s)


def clear() -> None:
    """Forget the registered secrets (for tests)."""
    with _lock:
        _registered.clear()


def known_secrets() -> frozenset[str]:
    """Every registered secret and the secret environment variables' values."""
    env = (os.environ.get(name) for name in SECRET_ENV)
    with _lock:
        return frozenset(_registered | {v for v in env if v})


def mask(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` with every form of every known secret (and of ``secrets``) replaced by ``***``."""
    if not isinstance(text, str) or not text:
        return text
    extra = frozenset(s for s in secrets if s)
    return _masker(known_secrets() | extra)(text)


class SecretFilter(logging.Filter):
    """A logging filter (for a handler) that masks secrets in each record's message and traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record must not escape unmasked
            message = f"{record.msg} {record.args!r}"
        record.msg, record.args = mask(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        return True
