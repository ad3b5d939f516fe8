"""Creates with `store = true`: exactly one stored completion per instance whatever the API does,
driven with a scripted client (no HTTP) and a real stop controller."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from openai.types.chat import ChatCompletion

from terraform_provider_openai import create
from terraform_provider_openai.create import Interrupted, StopRequested, create_plain, create_stored
from terraform_provider_openai.errors import APIError, ProviderError, TransportError
from terraform_provider_openai.framework.stop import StopController
from terraform_provider_openai.marker import CREATE_MARKER_KEY

BODY = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "store": True}
MARKER = "tfcm-test"
BACKOFF = create.backoff  # the real one; tests below wait no time


def completion(cid: str) -> ChatCompletion:
    """The SDK's typed answer, built as the SDK builds it from a response (without validation)."""
    return ChatCompletion.construct(
        id=cid, object="chat.completion", metadata={CREATE_MARKER_KEY: MARKER}, choices=[]
    )


class ScriptedClient:
    """Each create attempt takes the next step: a completion to answer, or an error to raise
    (after `stored` says whether the 'API' kept it). Answers are the SDK's models, as APIClient's."""

    def __init__(self, steps: list[tuple[ChatCompletion | ProviderError, bool]], max_retries: int = 2):
        self.steps = list(steps)
        self.max_retries = max_retries
        self.bodies: list[dict[str, Any]] = []
        self.stored: list[ChatCompletion] = []
        self.lookups = 0
        self.deleted: list[str] = []
        self.fail_delete: set[str] = set()
        self.on_create: Callable[[], None] | None = None

    def create_chat_completion_once(self, body: dict[str, Any]) -> ChatCompletion:
        self.bodies.append(body)
        if self.on_create:
            self.on_create()
        outcome, stored = self.steps.pop(0)
        cid = f"chatcmpl-{len(self.bodies)}"
        if stored:
            self.stored.append(completion(cid))
        if isinstance(outcome, ProviderError):
            raise outcome
        return completion(cid)

    create_chat_completion = create_chat_completion_once

    def find_by_metadata(self, key: str, value: str) -> list[ChatCompletion]:
        self.lookups += 1
        return [c for c in self.stored if (c.metadata or {}).get(key) == value]

    def delete_chat_completion(self, cid: str) -> bool:
        if cid in self.fail_delete:
            raise APIError(status=500, message="delete failed")
        self.deleted.append(cid)
        self.stored = [c for c in self.stored if c.id != cid]
        return True


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(create, "backoff", lambda attempt, retry_after: 0.0)
    monkeypatch.setattr(create, "LAST_LOOK_WAIT_S", 0.0)


def stop() -> StopController:
    return StopController(grace=30)


def server_error() -> APIError:
    return APIError(status=500, message="The server had an error")


def run(client: ScriptedClient, controller: StopController | None = None) -> create.StoredCreate:
    return create_stored(client, controller or stop(), BODY, MARKER)  # type: ignore[arg-type]


def test_every_attempt_carries_the_marker_in_metadata() -> None:
    client = ScriptedClient([(completion("x"), True)])
    result = run(client)
    assert result.answer is not None and result.error is None and not result.unsettled
    assert client.bodies[0]["metadata"] == {CREATE_MARKER_KEY: MARKER}
    assert client.lookups == 0  # a plain success costs no lookup


def test_a_500_after_the_api_stored_it_adopts_instead_of_creating_again() -> None:
    client = ScriptedClient([(server_error(), True), (completion("never"), True)])
    result = run(client)
    assert result.adopted and result.answer is not None and result.answer.id == "chatcmpl-1"
    assert len(client.bodies) == 1  # no second create
    assert [c.id for c in client.stored] == ["chatcmpl-1"]


def test_a_timeout_that_stored_nothing_is_sent_again_with_the_same_marker() -> None:
    timeout = TransportError("timed out", timed_out=True)
    client = ScriptedClient([(timeout, False), (completion("x"), True)])
    result = run(client)
    assert result.answer is not None and result.answer.id == "chatcmpl-2" and not result.adopted
    assert len(client.bodies) == 2 and client.bodies[0] == client.bodies[1]
    assert client.lookups == 2  # before the retry, and the sweep after the answer
    assert result.unsettled  # the first attempt might still be stored later


def test_copies_stored_by_uncertain_attempts_are_deleted_when_the_answer_comes() -> None:
    # attempt 1 times out but is stored only after the lookup; attempt 2 answers
    client = ScriptedClient([(TransportError("timed out", timed_out=True), False), (completion("x"), True)])
    client.on_create = lambda: client.stored.append(completion("late")) if len(client.bodies) == 2 else None
    result = run(client)
    assert result.answer is not None
    assert client.deleted == ["late"] and result.removed == ["late"]
    assert [c.id for c in client.stored] == [result.answer.id]


def test_a_rate_limit_is_retried_without_a_lookup() -> None:
    limited = APIError(status=429, message="Rate limit", retry_after=0)
    client = ScriptedClient([(limited, False), (completion("x"), True)])
    result = run(client)
    assert result.answer is not None and client.lookups == 0 and not result.unsettled


def test_a_rate_limit_that_never_clears_is_an_error_with_nothing_stored() -> None:
    client = ScriptedClient([(APIError(status=429, message="Rate limit"), False) for _ in range(3)])
    result = run(client)
    assert result.answer is None and not result.uncertain
    assert isinstance(result.error, APIError) and result.error.retries == 2
    assert len(client.bodies) == 3


def test_a_bad_request_is_final_and_certain() -> None:
    client = ScriptedClient([(APIError(status=400, message="Invalid 'model'"), False)])
    result = run(client)
    assert result.answer is None and not result.uncertain and len(client.bodies) == 1


def test_a_connection_that_never_opened_is_certain() -> None:
    refused = TransportError("connection refused", sent=False)
    client = ScriptedClient([(refused, False)] * 3)
    result = run(client)
    assert result.answer is None and not result.uncertain and client.lookups == 0
    assert len(client.bodies) == 3


def test_x_should_retry_false_after_a_500_looks_once_and_never_sends_again() -> None:
    told = APIError(status=500, message="The server had an error", should_retry=False)
    client = ScriptedClient([(told, False), (completion("never"), True)])
    result = run(client)
    assert result.answer is None and result.uncertain and result.unsettled
    assert result.error is told
    assert len(client.bodies) == 1 and client.lookups == 1


def test_x_should_retry_false_after_a_500_still_adopts_what_the_api_stored() -> None:
    told = APIError(status=500, message="The server had an error", should_retry=False)
    client = ScriptedClient([(told, True)])
    result = run(client)
    assert result.adopted and result.answer is not None and result.answer.id == "chatcmpl-1"
    assert len(client.bodies) == 1


def test_a_retry_after_too_long_to_wait_still_looks_for_an_open_outcome(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(create, "backoff", lambda attempt, retry_after: None)  # e.g. Retry-After: 3600
    client = ScriptedClient([(APIError(status=503, message="Busy", retry_after=3600), True)])
    result = run(client)
    assert result.adopted and result.answer is not None and result.answer.id == "chatcmpl-1"
    assert len(client.bodies) == 1 and client.lookups == 1


def test_a_retry_after_too_long_to_wait_is_reported_when_nothing_was_done(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(create, "backoff", lambda attempt, retry_after: None)
    client = ScriptedClient([(APIError(status=429, message="Rate limit", retry_after=3600), False)])
    result = run(client)
    assert result.answer is None and not result.uncertain
    assert len(client.bodies) == 1 and client.lookups == 0


def test_x_should_retry_false_on_a_rate_limit_is_reported_at_once() -> None:
    told = APIError(status=429, message="Rate limit", should_retry=False)
    client = ScriptedClient([(told, False), (completion("never"), True)])
    result = run(client)
    assert result.answer is None and not result.uncertain
    assert len(client.bodies) == 1 and client.lookups == 0
    assert result.error is not None and "asked not to retry this request" in result.error.detail()
    assert "max_retries" not in result.error.detail()


def test_x_should_retry_true_on_a_bad_request_sends_it_again() -> None:
    told = APIError(status=400, message="Try again", should_retry=True)
    client = ScriptedClient([(told, False), (completion("x"), True)])
    result = run(client)
    assert result.answer is not None and result.answer.id == "chatcmpl-2"
    assert len(client.bodies) == 2 and client.lookups == 0  # nothing was done: no lookup


def test_a_bad_request_after_an_uncertain_attempt_looks_for_that_attempts_completion() -> None:
    client = ScriptedClient([(server_error(), False), (APIError(status=400, message="Invalid"), False)])
    client.on_create = lambda: client.stored.append(completion("late")) if len(client.bodies) == 2 else None
    result = run(client)
    assert result.adopted and result.answer is not None and result.answer.id == "late"
    assert len(client.bodies) == 2


def test_uncertain_attempts_that_never_show_up_leave_the_outcome_uncertain() -> None:
    client = ScriptedClient([(server_error(), False)] * 3)
    result = run(client)
    assert result.answer is None and result.uncertain and result.unsettled
    assert len(client.bodies) == 3 and client.lookups == 3  # a last look after the last attempt


def test_extra_copies_found_at_adoption_are_deleted_and_failures_named() -> None:
    client = ScriptedClient([(server_error(), True)])  # stored as chatcmpl-1, listed oldest first
    client.on_create = lambda: client.stored.extend([completion("dup-a"), completion("dup-b")])
    client.fail_delete = {"dup-b"}
    result = run(client)
    assert result.adopted and result.answer is not None
    assert result.answer.id == "dup-a"  # the oldest copy is kept
    assert result.removed == ["chatcmpl-1"] and result.not_removed == ["dup-b"]


def test_nothing_is_sent_once_terraform_asked_to_stop() -> None:
    controller = stop()
    controller.request_stop()
    client = ScriptedClient([(completion("x"), True)])
    result = run(client, controller)
    assert isinstance(result.error, StopRequested) and not result.uncertain and client.bodies == []
    with pytest.raises(StopRequested):
        create_plain(client, controller, BODY)  # type: ignore[arg-type]


def test_a_stop_during_the_backoff_ends_retries_and_keeps_the_outcome_uncertain(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    controller = stop()
    monkeypatch.setattr(create, "backoff", lambda attempt, retry_after: 60.0)
    client = ScriptedClient([(server_error(), False), (completion("x"), True)])
    client.on_create = controller.request_stop  # Ctrl-C while the first attempt is in flight
    result = run(client, controller)
    assert result.uncertain and len(client.bodies) == 1


def test_a_call_in_flight_when_terraform_stops_finishes_within_the_grace_period() -> None:
    controller = StopController(grace=30)
    release = threading.Event()
    client = ScriptedClient([(completion("x"), True)])

    def in_flight() -> None:
        controller.request_stop()
        release.set()

    client.on_create = in_flight
    result = run(client, controller)
    assert release.is_set() and result.answer is not None and result.error is None


def test_a_call_still_in_flight_after_the_grace_period_is_uncertain() -> None:
    controller = StopController(grace=0)
    release = threading.Event()
    client = ScriptedClient([(completion("x"), True)])

    def hang() -> None:
        controller.request_stop()
        release.wait(10)

    client.on_create = hang
    try:
        result = run(client, controller)
        assert isinstance(result.error, Interrupted) and result.uncertain
    finally:
        release.set()


def test_backoff_honours_retry_after_and_refuses_long_waits() -> None:
    assert BACKOFF(1, 2.5) == 2.5
    assert BACKOFF(1, 3600) is None
    assert 0.375 <= BACKOFF(1, None) <= 0.5  # type: ignore[operator]
    assert BACKOFF(10, None) <= 8.0  # type: ignore[operator]


def test_a_lookup_that_fails_never_leads_to_a_blind_resend() -> None:
    client = ScriptedClient([(server_error(), True), (completion("never"), True)])

    def unavailable(key: str, value: str) -> list[dict[str, Any]]:
        client.lookups += 1
        raise APIError(status=503, message="list unavailable")

    client.find_by_metadata = unavailable  # type: ignore[method-assign]
    result = run(client)
    assert len(client.bodies) == 1  # the API might hold it: not sent again
    assert result.answer is None and result.uncertain and result.unsettled
    assert client.lookups == 3  # the lookup itself was retried


def test_an_answer_that_cannot_be_read_is_uncertain_not_a_crash() -> None:
    client = ScriptedClient([(completion("x"), True), (completion("never"), True)])
    original = client.create_chat_completion_once

    def garbled(body: dict[str, Any]) -> dict[str, Any]:
        original(body)  # stored by the 'API'
        raise ValueError("Expecting value: line 1 column 1 (char 0)")

    client.create_chat_completion_once = garbled  # type: ignore[method-assign]
    result = run(client)
    assert result.adopted and result.answer is not None and result.answer.id == "chatcmpl-1"
    assert len(client.bodies) == 1


def test_a_ctrl_c_during_the_backoff_still_adopts_what_the_api_stored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    controller = stop()
    monkeypatch.setattr(create, "backoff", lambda attempt, retry_after: 60.0)
    client = ScriptedClient([(server_error(), True)])
    client.on_create = controller.request_stop
    result = run(client, controller)
    assert result.adopted and result.answer is not None and len(client.bodies) == 1
