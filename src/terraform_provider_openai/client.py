"""The only place that talks HTTP: a thin layer over the `openai` SDK.

One :class:`APIClient` is made when the provider is configured and shared by every resource and
data source of that provider process. The SDK (about 0.8 s to import) is loaded and its client
built on the first call that needs the API, so plans that need no API call never pay for it.
SDK exceptions become :mod:`terraform_provider_openai.errors`, with every secret masked in every
field (see :mod:`terraform_provider_openai.masking`).

With provider logging on (``TF_LOG``/``TF_LOG_PROVIDER``, see ``framework/hclog.py``) each attempt
is logged here: method, path, status, request id, attempt and duration at DEBUG, a retry and the
reason for it at WARN, request and response bodies at TRACE (masked like every log line). With
logging off the SDK gets its usual HTTP client and no call does any logging work.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

from terraform_provider_openai.errors import APIError, ConfigurationError, NotFoundError, TransportError
from terraform_provider_openai.rules import LIST_MAX_LIMIT

if TYPE_CHECKING:  # the SDK is imported on the first call only (see the module docstring)
    from openai.pagination import SyncCursorPage
    from openai.types.chat import ChatCompletion, ChatCompletionStoreMessage

log = logging.getLogger(__name__)

#: The most items one list call may ask for (the API's cap).
MAX_PAGE_SIZE = LIST_MAX_LIMIT  # the API's cap per list call, from the rule table

T = TypeVar("T")


class Listing(NamedTuple, Generic[T]):
    """What a list call gathered over its pages: the items (the SDK's models) and whether more exist."""

    items: list[T]
    has_more: bool


@dataclass(frozen=True)
class ClientSettings:
    api_key: str | None = field(default=None, repr=False)
    base_url: str | None = None
    organization: str | None = None
    project: str | None = None
    default_headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    timeout: float | None = None
    max_retries: int | None = None
    azure_endpoint: str | None = None
    api_version: str | None = None
    azure_deployment: str | None = None
    azure_ad_token: str | None = field(default=None, repr=False)

    @property
    def is_azure(self) -> bool:
        return bool(self.azure_endpoint)

    def secrets(self) -> list[str]:
        """Values never to show: the key, the Entra token and the values of default headers whose
        name says they carry a credential (masking every header value would blank out ordinary
        words such as `application/json` wherever they appear)."""
        headers = [
            v for k, v in self.default_headers.items() if any(w in k.lower() for w in _CREDENTIAL_WORDS)
        ]
        return [v for v in (self.api_key, self.azure_ad_token, *headers) if v]


def _should_retry(headers: Mapping[str, str]) -> bool | None:
    """The API's `x-should-retry` header as the SDK reads it: "true" and "false" override the
    status code's rule; anything else says nothing."""
    return {"true": True, "false": False}.get(headers.get("x-should-retry", ""))


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """How long the API asked to wait (`retry-after-ms`, or `retry-after` in seconds or as an
    HTTP date), as the SDK reads it; None when it did not say, or said 0 (then: backoff)."""
    try:
        value = float(headers.get("retry-after-ms", "")) / 1000
    except ValueError:
        raw = headers.get("retry-after", "")
        try:
            value = float(raw)
        except ValueError:
            from email.utils import parsedate_to_datetime

            try:
                value = parsedate_to_datetime(raw).timestamp() - time.time()
            except (TypeError, ValueError, IndexError):
                return None
    return value if value > 0 else None


#: Words in a header name that make its value a secret.
_CREDENTIAL_WORDS = ("auth", "key", "token", "secret", "password", "cookie", "credential", "signature")

#: Causes of a connection error that prove the request never left.
_NOT_SENT = ("ConnectError", "ConnectTimeout", "PoolTimeout")


def _never_sent(exc: BaseException) -> bool:
    cause: BaseException | None = exc.__cause__ or exc.__context__
    while cause is not None:
        if type(cause).__name__ in _NOT_SENT:
            return True
        cause = cause.__cause__ or cause.__context__
    return False


def _scrub(text: Any, secrets: list[str]) -> Any:
    """`text` with every form of the secrets (and of every other known secret) masked; None stays."""
    from terraform_provider_openai.masking import mask

    return None if text is None else mask(str(text), secrets)


def _text(content: bytes) -> str:
    return content.decode("utf-8", "replace")


def _logged_http_client(**options: Any) -> Any:
    """The SDK's default HTTP client (its timeouts, limits, proxies from the environment), logging
    every attempt the SDK sends through it. The SDK numbers its attempts in the
    ``x-stainless-retry-count`` header and retries in the calling thread, so the reason for a retry
    is what the same thread's previous attempt got."""
    import openai

    from terraform_provider_openai.framework.hclog import TRACE, fields

    previous = threading.local()

    class LoggedHttpClient(openai.DefaultHttpxClient):
        def send(self, request: Any, **kwargs: Any) -> Any:
            method, path = request.method, request.url.path
            try:
                attempt = int(request.headers.get("x-stainless-retry-count", "0")) + 1
            except ValueError:
                attempt = 1
            if attempt > 1:
                reason = getattr(previous, "outcome", None) or "the previous attempt failed"
                log.warning(
                    "API call retried: %s %s, attempt %d: %s",
                    method,
                    path,
                    attempt,
                    reason,
                    extra=fields(method=method, path=path, attempt=attempt, reason=reason),
                )
            if log.isEnabledFor(TRACE):
                try:
                    body = _text(request.content)
                except Exception:  # noqa: BLE001 - a streamed body: nothing to show
                    body = "(streamed)"
                log.log(TRACE, "API request body: %s %s", method, path, extra=fields(body=body))
            started = time.perf_counter()
            try:
                response = super().send(request, **kwargs)
            except Exception as exc:
                duration = round((time.perf_counter() - started) * 1000, 1)
                previous.outcome = f"no answer ({type(exc).__name__}: {exc})"
                log.debug(
                    "API call: %s %s: no answer (%s), attempt %d, %.0f ms",
                    method,
                    path,
                    type(exc).__name__,
                    attempt,
                    duration,
                    extra=fields(
                        method=method,
                        path=path,
                        error=type(exc).__name__,
                        attempt=attempt,
                        duration_ms=duration,
                    ),
                )
                raise
            duration = round((time.perf_counter() - started) * 1000, 1)
            status = response.status_code
            request_id = response.headers.get("x-request-id")
            wait = _retry_after(response.headers)
            previous.outcome = f"HTTP {status}" + (f", retry after {wait:g} s" if wait else "")
            log.debug(
                "API call: %s %s: HTTP %d, request id %s, attempt %d, %.0f ms",
                method,
                path,
                status,
                request_id,
                attempt,
                duration,
                extra=fields(
                    method=method,
                    path=path,
                    status=status,
                    request_id=request_id,
                    attempt=attempt,
                    duration_ms=duration,
                ),
            )
            if log.isEnabledFor(TRACE):
                try:
                    body = _text(response.content)
                except Exception:  # noqa: BLE001 - streamed and not read yet
                    body = "(streamed)"
                log.log(
                    TRACE, "API response body: %s %s: HTTP %d", method, path, status, extra=fields(body=body)
                )
            return response

    return LoggedHttpClient(**options)


class APIClient:
    """Chat Completions calls used by the provider; thread-safe, one per provider process."""

    def __init__(self, settings: ClientSettings):
        self.settings = settings
        self._lock = threading.Lock()
        self._sdk: Any = None
        self._sdk_once: Any = None

    # ---- construction ------------------------------------------------------------------------
    def _client(self) -> Any:
        if self._sdk is None:
            with self._lock:
                if self._sdk is None:
                    self._sdk = self._build()
        return self._sdk

    def _build(self) -> Any:
        s = self.settings
        if not s.api_key and not (s.is_azure and s.azure_ad_token):
            raise ConfigurationError(
                "No API key is configured. Set `api_key` in the provider block or the OPENAI_API_KEY "
                "environment variable (for Azure OpenAI: `api_key`, AZURE_OPENAI_API_KEY or `azure_ad_token`)."
            )
        if "openai" not in sys.modules:
            # ~1000 pydantic models, on the way of the first create: without the cyclic collector
            # scanning them as they are made (~12% of the import), then out of its sight
            from terraform_provider_openai.framework import heap

            with heap.collector_off():
                import openai  # noqa: F401
        import openai

        common: dict[str, Any] = {"default_headers": dict(s.default_headers) or None}
        if log.isEnabledFor(logging.WARNING):  # the lowest level it logs at: retries
            common["http_client"] = _logged_http_client()
        if s.timeout is not None:
            common["timeout"] = s.timeout
        if s.max_retries is not None:
            common["max_retries"] = s.max_retries
        if s.is_azure:
            # Any: AzureOpenAI's typed overloads leave out `project`, which its __init__ takes
            azure: Any = openai.AzureOpenAI
            return azure(
                azure_endpoint=s.azure_endpoint,
                api_version=s.api_version,
                azure_deployment=s.azure_deployment,
                api_key=s.api_key,
                azure_ad_token=s.azure_ad_token,
                organization=s.organization,
                project=s.project,
                **common,
            )
        return openai.OpenAI(
            api_key=s.api_key,
            base_url=s.base_url,
            organization=s.organization,
            project=s.project,
            **common,
        )

    def ensure_ready(self) -> None:
        """Build the SDK client now; raises ConfigurationError when settings are missing."""
        self._client()

    @property
    def max_retries(self) -> int:
        return 2 if self.settings.max_retries is None else self.settings.max_retries

    # ---- error mapping -----------------------------------------------------------------------
    def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        import openai

        secrets = self.settings.secrets()
        try:
            return fn(*args, **kwargs)
        except openai.APIStatusError as exc:
            body = exc.body if isinstance(exc.body, dict) else {}
            err = body.get("error", body) if isinstance(body, dict) else {}
            err = err if isinstance(err, dict) else {}
            message = err.get("message") or exc.message or exc.response.reason_phrase
            klass = NotFoundError if exc.status_code == 404 else APIError
            raise klass(
                status=exc.status_code,
                message=_scrub(message, secrets),
                type=_scrub(err.get("type"), secrets),
                code=_scrub(err.get("code"), secrets),
                param=_scrub(err.get("param"), secrets),
                request_id=_scrub(exc.request_id, secrets),
                retries=self.max_retries,
                retry_after=_retry_after(exc.response.headers),
                should_retry=_should_retry(exc.response.headers),
            ) from None
        except openai.APITimeoutError as exc:
            wait = 600 if self.settings.timeout is None else self.settings.timeout
            attempts = self.max_retries + 1
            raise TransportError(
                f"The request timed out: no answer within {wait:g} s "
                f"({attempts} attempt{'' if attempts == 1 else 's'}). "
                "Raise `timeout` or `max_retries` in the provider block, or check the server.",
                timed_out=True,
                sent=not _never_sent(exc),
            ) from None
        except openai.APIConnectionError as exc:
            cause = exc.__cause__ or exc
            raise TransportError(
                _scrub(
                    f"Could not reach the API at {self._base_url()} (after {self.max_retries} retries): "
                    f"{type(cause).__name__}: {cause}",
                    secrets,
                ),
                sent=not _never_sent(exc),
            ) from None
        except openai.OpenAIError as exc:
            raise ConfigurationError(_scrub(str(exc), secrets)) from None

    def _base_url(self) -> str:
        return str(self._client().base_url)

    # ---- calls -------------------------------------------------------------------------------
    # Answers stay the SDK's typed models (pydantic): callers read them by attribute.
    def create_chat_completion(self, body: dict[str, Any]) -> ChatCompletion:
        result: ChatCompletion = self._call(lambda: self._client().chat.completions.create(**body))
        return result

    def create_chat_completion_once(self, body: dict[str, Any]) -> ChatCompletion:
        """One attempt, no SDK retry: for creates that may be stored, whose retries the caller
        decides (see :mod:`terraform_provider_openai.create`)."""
        if self._sdk_once is None:
            with self._lock:
                if self._sdk_once is None:
                    self._sdk_once = self._client().with_options(max_retries=0)
        sdk = self._sdk_once
        result: ChatCompletion = self._call(lambda: sdk.chat.completions.create(**body))
        return result

    def find_by_metadata(self, key: str, value: str) -> list[ChatCompletion]:
        """Every stored completion whose metadata maps `key` to `value`, oldest first."""
        return self.list_chat_completions(metadata={key: value}, order="asc").items

    def retrieve_chat_completion(self, completion_id: str) -> ChatCompletion:
        result: ChatCompletion = self._call(lambda: self._client().chat.completions.retrieve(completion_id))
        return result

    def update_chat_completion(self, completion_id: str, metadata: Mapping[str, str]) -> ChatCompletion:
        result: ChatCompletion = self._call(
            lambda: self._client().chat.completions.update(completion_id, metadata=dict(metadata))
        )
        return result

    def delete_chat_completion(self, completion_id: str) -> bool:
        """True when deleted, False when it was already gone."""
        try:
            self._call(lambda: self._client().chat.completions.delete(completion_id))
        except NotFoundError:
            return False
        return True

    def _collect(
        self, first: Callable[[int], SyncCursorPage[T]], limit: int | None, page_size: int | None
    ) -> Listing[T]:
        """Up to `limit` items (all when None), following the SDK's cursor pages.

        Every page asks the same size (the SDK's next page repeats the first page's query with
        `after` set to the last item's ID): at most `page_size` (default and cap 100), and for a
        `limit` spread evenly over the fewest pages that hold it, so the last page asks hardly more
        than is still needed (`limit = 7`, `page_size = 3`: three pages of 3)."""
        size = min(page_size or MAX_PAGE_SIZE, MAX_PAGE_SIZE)
        if limit is not None:
            pages = max(1, -(-limit // size))
            size = max(1, -(-limit // pages))
        page = self._call(first, size)
        items: list[T] = []
        while True:
            items.extend(page.data or [])
            if limit is not None and len(items) >= limit:
                return Listing(items[:limit], len(items) > limit or bool(page.has_more))
            if not page.has_next_page():
                return Listing(items, False)
            page = self._call(page.get_next_page)

    def list_chat_completions(
        self,
        *,
        model: str | None = None,
        metadata: Mapping[str, str] | None = None,
        order: str | None = None,
        after: str | None = None,
        limit: int | None = None,
        page_size: int | None = None,
    ) -> Listing[ChatCompletion]:
        """Up to `limit` stored completions (all when None), following pages; and whether more exist."""
        filters: dict[str, Any] = {}
        for key, value in (
            ("model", model),
            ("metadata", metadata or None),
            ("order", order),
            ("after", after),
        ):
            if value is not None:
                filters[key] = dict(value) if isinstance(value, Mapping) else value

        def first(size: int) -> SyncCursorPage[ChatCompletion]:
            page: SyncCursorPage[ChatCompletion] = self._client().chat.completions.list(limit=size, **filters)
            return page

        return self._collect(first, limit, page_size)

    def list_chat_completion_messages(
        self,
        completion_id: str,
        *,
        order: str | None = None,
        after: str | None = None,
        limit: int | None = None,
        page_size: int | None = None,
    ) -> Listing[ChatCompletionStoreMessage]:
        """Up to `limit` input messages of a stored completion (all when None), following pages."""
        filters: dict[str, Any] = {k: v for k, v in (("order", order), ("after", after)) if v is not None}

        def first(size: int) -> SyncCursorPage[ChatCompletionStoreMessage]:
            page: SyncCursorPage[ChatCompletionStoreMessage] = self._client().chat.completions.messages.list(
                completion_id, limit=size, **filters
            )
            return page

        return self._collect(first, limit, page_size)
