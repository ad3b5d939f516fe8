"""SDK errors -> provider errors, with the SDK's HTTP replaced by `httpx2.MockTransport`."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import httpx2
import openai
import pytest
from tf.utils import Diagnostics

from terraform_provider_openai.client import APIClient, ClientSettings
from terraform_provider_openai.errors import APIError, ConfigurationError, NotFoundError, TransportError
from terraform_provider_openai.provider import OpenAIProvider

KEY = "sk-unit-secret-123456"
BODY = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
COMPLETION = {"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-4o", "choices": []}


def client_with(handler: Callable[[httpx2.Request], httpx2.Response], **settings: Any) -> APIClient:
    s = ClientSettings(api_key=KEY, base_url="http://api.test/v1", **settings)
    client = APIClient(s)
    client._sdk = openai.OpenAI(
        api_key=KEY,
        base_url=s.base_url,
        max_retries=client.max_retries,
        http_client=httpx2.Client(transport=httpx2.MockTransport(handler)),
    )
    return client


def error(
    status: int, err: dict[str, Any], headers: dict[str, str] | None = None
) -> Callable[..., httpx2.Response]:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(
            status, json={"error": err}, headers={"x-request-id": "req_abc", **(headers or {})}
        )

    return handler


def test_success_returns_the_sdk_model() -> None:
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(
            200,
            json={
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "created": 1,
                "model": "gpt-4o",
                "choices": [],
            },
        )

    answer = client_with(handler).create_chat_completion(BODY)
    assert isinstance(answer, openai.types.chat.ChatCompletion) and answer.id == "chatcmpl-1"
    assert seen[0].url.path == "/v1/chat/completions"
    assert json.loads(seen[0].content) == BODY
    assert seen[0].headers["authorization"] == f"Bearer {KEY}"


def test_api_error_carries_every_fact_and_never_the_key() -> None:
    handler = error(
        400,
        {
            "type": "invalid_request_error",
            "code": "invalid_value",
            "param": "messages[0].role",
            "message": f"bad key {KEY}",
        },
    )
    with pytest.raises(APIError) as info:
        client_with(handler).create_chat_completion(BODY)
    exc = info.value
    assert (exc.status, exc.type, exc.code, exc.param, exc.request_id) == (
        400,
        "invalid_request_error",
        "invalid_value",
        "messages[0].role",
        "req_abc",
    )
    detail = exc.detail()
    assert "HTTP 400: bad key ***" in detail
    assert "type: invalid_request_error, code: invalid_value, param: messages[0].role" in detail
    assert "request id: req_abc" in detail
    assert KEY not in detail


def test_rate_limit_after_retries_suggests_max_retries() -> None:
    handler = error(
        429,
        {"type": "requests", "code": "rate_limit_exceeded", "message": "slow down"},
        {"retry-after-ms": "1"},
    )
    calls = []

    def counting(request: httpx2.Request) -> httpx2.Response:
        calls.append(request)
        return handler(request)

    with pytest.raises(APIError) as info:
        client_with(counting, max_retries=1).create_chat_completion(BODY)
    assert len(calls) == 2
    assert "still rate limited after 1 retries" in info.value.detail()
    assert "max_retries" in info.value.detail()


def test_not_found_is_its_own_error_and_delete_tolerates_it() -> None:
    handler = error(404, {"type": "invalid_request_error", "code": "not_found", "message": "gone"})
    client = client_with(handler)
    with pytest.raises(NotFoundError):
        client.retrieve_chat_completion("chatcmpl-x")
    assert client.delete_chat_completion("chatcmpl-x") is False


def test_timeout_and_connection_errors_become_transport_errors() -> None:
    def timeout(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ReadTimeout("slow", request=request)

    def refused(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("connection refused", request=request)

    with pytest.raises(TransportError, match=r"timed out: no answer within 5 s \(1 attempt\)"):
        client_with(timeout, timeout=5, max_retries=0).create_chat_completion(BODY)
    with pytest.raises(
        TransportError, match=r"Could not reach the API at http://api.test/v1/ .*connection refused"
    ):
        client_with(refused, max_retries=0).create_chat_completion(BODY)


def test_missing_key_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="OPENAI_API_KEY"):
        APIClient(ClientSettings(base_url="http://x/v1")).ensure_ready()


def test_settings_never_show_secrets() -> None:
    s = ClientSettings(api_key=KEY, default_headers={"x-secret": "hdr-secret"}, azure_ad_token="tok-secret")
    assert KEY not in repr(s) and "hdr-secret" not in repr(s) and "tok-secret" not in repr(s)


def test_provider_reads_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://env.test/v1")
    monkeypatch.setenv("OPENAI_ORG_ID", "org-env")
    provider = OpenAIProvider()
    diags = Diagnostics()
    provider.configure_provider(diags, {"project": "proj-attr"})
    s = provider._client.settings
    assert (s.api_key, s.base_url, s.organization, s.project) == (
        "sk-env",
        "http://env.test/v1",
        "org-env",
        "proj-attr",
    )
    assert not diags.diagnostics


def test_provider_config_validation_names_attributes() -> None:
    diags = Diagnostics()
    OpenAIProvider().validate_config(
        diags, {"base_url": "ftp://x", "timeout": 0, "max_retries": -1, "azure_endpoint": "https://a.example"}
    )
    assert {d.summary for d in diags.diagnostics} == {
        "Invalid base_url",
        "Invalid timeout",
        "Invalid max_retries",
        "Conflicting base_url and azure_endpoint",
    }


# ---- secrets ---------------------------------------------------------------------------------------


def test_api_error_echoing_the_key_in_every_field_is_masked() -> None:
    handler = error(
        401,
        {
            "type": f"invalid_key:{KEY}",
            "code": f"key_{KEY}",
            "param": f"Authorization: Bearer {KEY}",
            "message": f"Incorrect API key provided: {KEY[:10]}***{KEY[-4:]}; sent {(KEY + chr(10)).encode()!r}",
        },
    )
    with pytest.raises(APIError) as info:
        client_with(handler).create_chat_completion(BODY)
    exc = info.value
    for field in (exc.message, exc.type, exc.code, exc.param, exc.detail()):
        assert field is not None and "***" in field
        assert not any(KEY[i : i + 8] in field for i in range(len(KEY) - 7)), field
    assert exc.status == 401 and exc.request_id == "req_abc"


def test_key_with_trailing_newline_is_trimmed(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(
            200, json={"id": "c", "object": "chat.completion", "created": 1, "model": "m", "choices": []}
        )

    real = openai.OpenAI
    transport = httpx2.Client(transport=httpx2.MockTransport(handler))
    monkeypatch.setattr(openai, "OpenAI", lambda **kw: real(**{**kw, "http_client": transport}))
    provider = OpenAIProvider()
    diags = Diagnostics()
    provider.configure_provider(diags, {"api_key": f"  {KEY}\r\n", "base_url": "http://api.test/v1"})
    assert not diags.diagnostics
    provider.api(diags, "x").create_chat_completion(BODY)
    assert seen[0].headers["authorization"] == f"Bearer {KEY}"


@pytest.mark.parametrize(
    ("attribute", "env", "value", "problem"),
    [
        ("api_key", None, " \n ", "is empty"),
        ("api_key", None, "sk-abc def", "contains whitespace inside it (U+0020)"),
        ("api_key", None, "sk-abc\ndef", "contains whitespace inside it (U+000A)"),
        ("api_key", None, "sk-abc\x00def", "not printable ASCII (U+0000)"),
        ("api_key", None, "\ufeffsk-abcdef", "not printable ASCII (U+FEFF)"),
        ("azure_ad_token", None, "eyJ0eXAi.\u200beyJhdWQi", "not printable ASCII (U+200B)"),
        ("api_key", "OPENAI_API_KEY", "sk-env key", "(from the OPENAI_API_KEY environment variable)"),
        (
            "azure_ad_token",
            "AZURE_OPENAI_AD_TOKEN",
            "   ",
            "(from the AZURE_OPENAI_AD_TOKEN environment variable) is empty",
        ),
    ],
)
def test_unusable_key_is_a_configure_error_naming_the_attribute_not_the_value(
    monkeypatch: pytest.MonkeyPatch, attribute: str, env: str | None, value: str, problem: str
) -> None:
    for name in ("OPENAI_API_KEY", "AZURE_OPENAI_API_KEY", "AZURE_OPENAI_AD_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    config: dict[str, Any] = {"base_url": "http://api.test/v1"}
    if env:
        monkeypatch.setenv(env, value)
    else:
        config[attribute] = value
    provider = OpenAIProvider()
    diags = Diagnostics()
    provider.configure_provider(diags, config)
    [diag] = diags.diagnostics
    assert diag.summary == f"Invalid {attribute}"
    assert problem in diag.detail and f"`{attribute}`" in diag.detail
    assert diag.path == (None if env else [attribute])
    shown = diag.summary + diag.detail
    for part in value.split():
        assert len(part) < 4 or part not in shown
    assert provider._client is None


def test_azure_key_and_token_from_the_environment_are_trimmed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "azure-key-123\n")
    monkeypatch.setenv("AZURE_OPENAI_AD_TOKEN", "\teyJ.token.sig \n")
    provider = OpenAIProvider()
    diags = Diagnostics()
    provider.configure_provider(diags, {"azure_endpoint": "https://a.example", "api_version": "2024-10-21"})
    assert not diags.diagnostics
    assert (provider._client.settings.api_key, provider._client.settings.azure_ad_token) == (
        "azure-key-123",
        "eyJ.token.sig",
    )


def test_default_header_with_a_line_break_is_refused_without_showing_it() -> None:
    diags = Diagnostics()
    OpenAIProvider().validate_config(
        diags, {"default_headers": {"x-secret": "abc\r\nX-Injected: 1", "bad name": "v"}}
    )
    assert [d.summary for d in diags.diagnostics] == ["Invalid default_headers"] * 2
    text = " ".join(d.detail for d in diags.diagnostics)
    assert "default_headers[x-secret]" in text and "U+000D" in text and "X-Injected" not in text
    assert "'bad name'" in text


@pytest.mark.parametrize(
    ("exc", "sent"),
    [
        (httpx2.ConnectError, False),
        (httpx2.ConnectTimeout, False),
        (httpx2.PoolTimeout, False),
        (httpx2.ReadTimeout, True),
        (httpx2.RemoteProtocolError, True),
    ],
)
def test_only_errors_before_the_request_left_count_as_never_sent(exc: type[Exception], sent: bool) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        raise exc("boom", request=request)  # type: ignore[call-arg]

    with pytest.raises(TransportError) as info:
        client_with(handler, max_retries=0).create_chat_completion_once(BODY)
    assert info.value.sent is sent


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after": "0"}, None),  # 0: the usual backoff, not a busy loop
        ({"retry-after": "soon"}, None),
        ({}, None),
    ],
)
def test_retry_after_is_read_as_the_sdk_reads_it(headers: dict[str, str], expected: float | None) -> None:
    with pytest.raises(APIError) as info:
        client_with(error(429, {"message": "slow down"}, headers), max_retries=0).create_chat_completion_once(
            BODY
        )
    assert info.value.retry_after == expected


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"x-should-retry": "true"}, True),
        ({"x-should-retry": "false"}, False),
        ({"x-should-retry": "1"}, None),
        ({}, None),
    ],
)
def test_x_should_retry_is_read_as_the_sdk_reads_it(headers: dict[str, str], expected: bool | None) -> None:
    with pytest.raises(APIError) as info:
        client_with(error(500, {"message": "oops"}, headers), max_retries=0).create_chat_completion_once(BODY)
    assert info.value.should_retry is expected


def test_retry_after_as_an_http_date_is_the_time_left() -> None:
    import time
    from email.utils import formatdate

    when = formatdate(time.time() + 30, usegmt=True)
    with pytest.raises(APIError) as info:
        client_with(
            error(429, {"message": "later"}, {"retry-after": when}), max_retries=0
        ).create_chat_completion_once(BODY)
    assert info.value.retry_after is not None and 25 < info.value.retry_after <= 31


def test_only_credential_headers_count_as_secrets() -> None:
    s = ClientSettings(
        api_key=KEY,
        default_headers={
            "x-proxy-token": "tok-0123456789",
            "content-type": "application/json",
            "x-team": "terraform-ci",
        },
    )
    assert s.secrets() == [KEY, "tok-0123456789"]


# ---- pagination --------------------------------------------------------------------------------


def paged_server(
    total: int, *, report_has_more: bool = True
) -> tuple[list[dict[str, Any]], Callable[..., Any]]:
    """A list route over `total` stored completions honouring `limit` and `after`; the queries seen."""
    seen: list[dict[str, Any]] = []
    items = [
        {"id": f"chatcmpl-{i}", "object": "chat.completion", "created": i, "model": "gpt-4o", "choices": []}
        for i in range(total)
    ]

    def handler(request: httpx2.Request) -> httpx2.Response:
        query = dict(request.url.params)
        seen.append(query)
        start = 0
        if "after" in query:
            start = next(i for i, item in enumerate(items) if item["id"] == query["after"]) + 1
        page = items[start : start + int(query["limit"])]
        body: dict[str, Any] = {"object": "list", "data": page}
        if report_has_more:
            body["has_more"] = start + len(page) < total
        return httpx2.Response(200, json=body)

    return seen, handler


def test_listing_follows_the_sdk_cursor_pages_with_even_page_sizes() -> None:
    seen, handler = paged_server(10)
    listing = client_with(handler).list_chat_completions(limit=7, page_size=3)
    assert [c.id for c in listing.items] == [f"chatcmpl-{i}" for i in range(7)]
    assert listing.has_more is True
    # three pages of 3 (7 spread over the fewest pages of at most 3), each after the last item
    assert [(q["limit"], q.get("after")) for q in seen] == [
        ("3", None),
        ("3", "chatcmpl-2"),
        ("3", "chatcmpl-5"),
    ]


def test_listing_everything_stops_at_the_last_page() -> None:
    seen, handler = paged_server(5)
    items, has_more = client_with(handler).list_chat_completions(page_size=2, order="asc")
    assert [c.id for c in items] == [f"chatcmpl-{i}" for i in range(5)] and has_more is False
    assert [q.get("after") for q in seen] == [None, "chatcmpl-1", "chatcmpl-3"]
    assert all(q["order"] == "asc" for q in seen)


def test_listing_a_server_that_does_not_report_has_more_reads_until_an_empty_page() -> None:
    seen, handler = paged_server(4, report_has_more=False)
    listing = client_with(handler).list_chat_completions(page_size=2)
    assert len(listing.items) == 4 and listing.has_more is False
    assert len(seen) == 3  # the third page is empty


def test_listing_a_limit_that_fits_one_page_asks_exactly_that() -> None:
    seen, handler = paged_server(50)
    listing = client_with(handler).list_chat_completions(limit=20, metadata={"team": "a"})
    assert len(listing.items) == 20 and listing.has_more is True
    assert len(seen) == 1 and seen[0]["limit"] == "20" and seen[0]["metadata[team]"] == "a"


def test_each_attempt_is_logged_retries_with_their_reason_bodies_only_at_trace(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from terraform_provider_openai.client import _logged_http_client
    from terraform_provider_openai.framework.hclog import TRACE

    answers = [
        httpx2.Response(429, json={"error": {"message": "slow down"}}, headers={"retry-after-ms": "1"}),
        httpx2.Response(200, json=COMPLETION, headers={"x-request-id": "req_second"}),
    ]
    client = APIClient(ClientSettings(api_key=KEY, base_url="http://api.test/v1"))
    client._sdk = openai.OpenAI(
        api_key=KEY,
        base_url="http://api.test/v1",
        max_retries=1,
        http_client=_logged_http_client(transport=httpx2.MockTransport(lambda request: answers.pop(0))),
    )
    with caplog.at_level(TRACE, logger="terraform_provider_openai.client"):
        client.create_chat_completion(BODY)
    lines = [(r.levelno, r.getMessage(), getattr(r, "fields", {})) for r in caplog.records]
    debug = [(m, f) for level, m, f in lines if level == logging.DEBUG]
    assert [m.rsplit(",", 1)[0] for m, _ in debug] == [
        "API call: POST /v1/chat/completions: HTTP 429, request id None, attempt 1",
        "API call: POST /v1/chat/completions: HTTP 200, request id req_second, attempt 2",
    ]
    assert debug[1][1] | {"duration_ms": 0} == {
        "method": "POST",
        "path": "/v1/chat/completions",
        "status": 200,
        "request_id": "req_second",
        "attempt": 2,
        "duration_ms": 0,
    }
    [warning] = [m for level, m, _ in lines if level == logging.WARNING]
    assert warning == "API call retried: POST /v1/chat/completions, attempt 2: HTTP 429, retry after 0.001 s"
    bodies = [f["body"] for level, _, f in lines if level == TRACE]
    assert len(bodies) == 4 and '"content":"hi"' in bodies[0].replace(" ", "")


def test_with_logging_off_the_sdk_gets_its_own_http_client() -> None:
    root = logging.getLogger()
    saved = root.level
    root.setLevel(logging.CRITICAL + 1)  # what the runner does without TF_LOG
    try:
        client = APIClient(ClientSettings(api_key=KEY, base_url="http://api.test/v1"))
        assert type(client._client()._client).__name__ != "LoggedHttpClient"
    finally:
        root.setLevel(saved)


@pytest.mark.parametrize("collecting", [True, False])
def test_the_sdks_import_leaves_the_collector_as_it_found_it(collecting: bool) -> None:
    """The SDK is imported with the cyclic collector off (its ~1000 models), then frozen out of its
    sight; a collector that was on is on again, one that was off stays off."""
    code = f"""
import gc, sys
from terraform_provider_openai.client import APIClient, ClientSettings
{"" if collecting else "gc.disable()"}
assert "openai" not in sys.modules
APIClient(ClientSettings(api_key="sk-test", base_url="http://127.0.0.1:9/v1")).ensure_ready()
assert "openai" in sys.modules
print(gc.isenabled(), gc.get_freeze_count() > 0)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == [str(collecting), "True"]
