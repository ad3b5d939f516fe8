"""The provider's error hierarchy. Every failure the provider expects is one of these; each turns
into a Terraform diagnostic with a summary chosen by the caller and this error's words as detail."""

from __future__ import annotations

from dataclasses import dataclass


class ProviderError(Exception):
    """Base of every error this provider raises on purpose."""

    def detail(self) -> str:
        return str(self)


class ConfigurationError(ProviderError):
    """The provider block (or its environment variables) cannot produce a working client."""


@dataclass
class APIError(ProviderError):
    """The API answered with an error status (after the SDK's retries)."""

    status: int
    message: str
    type: str | None = None
    code: str | None = None
    param: str | None = None
    request_id: str | None = None
    retries: int = 0
    #: seconds the API asked to wait before a retry (`Retry-After`), when it said so
    retry_after: float | None = None
    #: the API's `x-should-retry` header: True or False when it said whether a retry may help
    should_retry: bool | None = None

    def __str__(self) -> str:
        return self.detail()

    def detail(self) -> str:
        lines = [f"The API answered HTTP {self.status}: {self.message}"]
        facts = [
            f"{label}: {value}"
            for label, value in (("type", self.type), ("code", self.code), ("param", self.param))
            if value
        ]
        if facts:
            lines.append(", ".join(facts))
        if self.request_id:
            lines.append(f"request id: {self.request_id}")
        if self.should_retry is False:
            lines.append("The API asked not to retry this request (x-should-retry: false).")
        elif self.status == 429:
            lines.append(
                f"The request was still rate limited after {self.retries} retries. "
                "Raise `max_retries` in the provider block (or wait and apply again)."
            )
        return "\n".join(lines)


class NotFoundError(APIError):
    """HTTP 404: the stored completion does not exist (any more)."""


class TransportError(ProviderError):
    """No answer: connection refused or dropped, or the request timed out (after retries).

    ``sent`` is False when the request never left (the connection could not be opened): the API
    cannot have acted on it. ``timed_out`` tells a timeout from a dropped connection."""

    def __init__(self, message: str, *, sent: bool = True, timed_out: bool = False) -> None:
        super().__init__(message)
        self.sent = sent
        self.timed_out = timed_out
