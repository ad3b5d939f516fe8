"""Fault injection (header and count based) and how the SDK's retries meet it."""

from __future__ import annotations

import threading
import time
from typing import Any

import openai
import pytest
from openai import OpenAI
from tests.localserver.conftest import raw_request, user
from tests.support.localserver import LocalServer, LocalServerError

MESSAGES: list[Any] = [user("hi")]


def _client(server: LocalServer, **kwargs: Any) -> OpenAI:
    kwargs.setdefault("max_retries", 0)
    return OpenAI(base_url=server.base_url, api_key="sk-anything", **kwargs)


def _statuses(server: LocalServer) -> list[int | None]:
    return [r["status"] for r in server.requests()]


@pytest.mark.parametrize("kind", ["429", "500", "503"])
def test_sdk_retries_a_transient_failure_and_then_succeeds(server: LocalServer, kind: str) -> None:
    server.inject_fault(kind, count=1)
    completion = _client(server, max_retries=2).chat.completions.create(model="m", messages=MESSAGES)
    assert completion.choices[0].message.content == "Local reply to: hi"
    assert _statuses(server) == [int(kind), 200]


def test_count_based_fault_fails_twice_then_succeeds(server: LocalServer) -> None:
    server.inject_fault("500", count=2)
    _client(server, max_retries=2).chat.completions.create(model="m", messages=MESSAGES)
    assert _statuses(server) == [500, 500, 200]


def test_failures_beyond_the_retry_budget_reach_the_caller(server: LocalServer) -> None:
    server.inject_fault("503", count=5)
    with pytest.raises(openai.InternalServerError) as err:
        _client(server, max_retries=1).chat.completions.create(model="m", messages=MESSAGES)
    assert err.value.status_code == 503
    assert _statuses(server) == [503, 503]


def test_429_answers_rate_limit_error_with_retry_after(server: LocalServer) -> None:
    status, body, headers = raw_request(
        f"{server.base_url}/chat/completions",
        {"model": "m", "messages": MESSAGES},
        headers={"x-localserver-fault": "429"},
    )
    assert (status, headers["retry-after"]) == (429, "0")
    assert body["error"]["type"] == "requests" and body["error"]["code"] == "rate_limit_exceeded"
    status, _, headers = raw_request(
        f"{server.base_url}/chat/completions", {}, headers={"x-localserver-fault": "429:2"}
    )
    assert (status, headers["retry-after"]) == (429, "2")
    with pytest.raises(openai.RateLimitError) as err:
        _client(server).chat.completions.create(
            model="m", messages=MESSAGES, extra_headers={"x-localserver-fault": "429"}
        )
    assert err.value.code == "rate_limit_exceeded"


def test_header_fault_applies_to_that_request_only(server: LocalServer) -> None:
    client = _client(server)
    with pytest.raises(openai.InternalServerError):
        client.chat.completions.create(
            model="m", messages=MESSAGES, extra_headers={"x-localserver-fault": "500"}
        )
    client.chat.completions.create(model="m", messages=MESSAGES)
    assert _statuses(server) == [500, 200]


def test_500_after_store_keeps_the_completion_so_a_retry_stores_a_duplicate(server: LocalServer) -> None:
    server.inject_fault("500-after-store", count=1)
    client = _client(server, max_retries=2)
    completion = client.chat.completions.create(model="m", messages=MESSAGES, store=True)
    stored = client.chat.completions.list().data
    assert len(stored) == 2 and stored[1].id == completion.id
    assert _statuses(server)[:2] == [500, 200]


def test_no_retry_tells_the_sdk_not_to_retry(server: LocalServer) -> None:
    server.inject_fault("503/no-retry", count=1)
    with pytest.raises(openai.InternalServerError) as err:
        _client(server, max_retries=2).chat.completions.create(model="m", messages=MESSAGES)
    assert err.value.response.headers["x-should-retry"] == "false"
    assert _statuses(server) == [503]


def test_retry_makes_the_sdk_retry_even_a_bad_request(server: LocalServer) -> None:
    server.inject_fault("400/retry", count=1)
    _client(server, max_retries=2).chat.completions.create(model="m", messages=MESSAGES)
    assert _statuses(server) == [400, 200]


def test_500_after_store_with_no_retry_stores_one_completion_only(server: LocalServer) -> None:
    server.inject_fault("500-after-store/no-retry", count=1)
    client = _client(server, max_retries=2)
    with pytest.raises(openai.InternalServerError):
        client.chat.completions.create(model="m", messages=MESSAGES, store=True)
    assert len(client.chat.completions.list().data) == 1
    assert _statuses(server)[0] == 500


@pytest.mark.parametrize("kind", ["500/maybe", "drop/no-retry", "timeout:1/retry"])
def test_retry_modifiers_go_only_with_status_faults(server: LocalServer, kind: str) -> None:
    with pytest.raises(LocalServerError, match="400"):
        server.inject_fault(kind)


def test_500_after_store_keeps_a_validation_error_as_is(server: LocalServer) -> None:
    status, body, _ = raw_request(
        f"{server.base_url}/chat/completions",
        {"model": "m"},
        headers={"x-localserver-fault": "500-after-store"},
    )
    assert (status, body["error"]["param"]) == (400, "messages")


def test_timeout_fault_holds_the_request_without_blocking_others(server: LocalServer) -> None:
    outcome: list[BaseException] = []

    def slow() -> None:
        try:
            _client(server, timeout=1.0).chat.completions.create(
                model="m", messages=MESSAGES, extra_headers={"x-localserver-fault": "timeout"}
            )
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            outcome.append(exc)

    thread = threading.Thread(target=slow)
    thread.start()
    start = time.monotonic()
    _client(server).chat.completions.create(model="m", messages=MESSAGES)
    assert time.monotonic() - start < 0.9 and thread.is_alive()
    thread.join(10)
    assert len(outcome) == 1 and isinstance(outcome[0], openai.APITimeoutError)


def test_timeout_fault_with_seconds_answers_after_the_delay(server: LocalServer) -> None:
    start = time.monotonic()
    status, _, _ = raw_request(
        f"{server.base_url}/chat/completions",
        {"model": "m", "messages": MESSAGES},
        headers={"x-localserver-fault": "timeout:0.3"},
    )
    assert status == 200 and time.monotonic() - start >= 0.3


def test_drop_fault_is_a_connection_error_for_the_sdk(server: LocalServer) -> None:
    with pytest.raises(openai.APIConnectionError):
        _client(server).chat.completions.create(
            model="m", messages=MESSAGES, extra_headers={"x-localserver-fault": "drop"}
        )
    assert _statuses(server) == [None]


def test_sdk_retries_a_dropped_connection(server: LocalServer) -> None:
    server.inject_fault("drop", count=1)
    _client(server, max_retries=2).chat.completions.create(model="m", messages=MESSAGES)
    assert _statuses(server) == [None, 200]


def test_path_prefix_limits_a_fault_to_matching_routes(server: LocalServer) -> None:
    client = _client(server)
    completion = client.chat.completions.create(model="m", messages=MESSAGES, store=True)
    server.inject_fault("503", count=1, path_prefix=f"/v1/chat/completions/{completion.id}")
    client.chat.completions.create(model="m", messages=MESSAGES)
    with pytest.raises(openai.InternalServerError):
        client.chat.completions.retrieve(completion.id)
    assert client.chat.completions.retrieve(completion.id).id == completion.id
    assert _statuses(server) == [200, 200, 503, 200]


def test_reset_clears_pending_faults(server: LocalServer) -> None:
    server.inject_fault("500", count=3)
    assert server.admin("GET", "/_admin/faults")["faults"] == [
        {"kind": "500", "remaining": 3, "path_prefix": None}
    ]
    server.reset()
    _client(server).chat.completions.create(model="m", messages=MESSAGES)


def test_unknown_fault_kinds_are_rejected(server: LocalServer) -> None:
    with pytest.raises(LocalServerError, match="400"):
        server.inject_fault("explode")
    status, body, _ = raw_request(
        f"{server.base_url}/chat/completions", {}, headers={"x-localserver-fault": "teapot"}
    )
    assert (status, body["error"]["param"]) == (400, "x-localserver-fault")
