"""The servicer's safety nets: a hand-edited state of the wrong shape is named as such (not an
"Unexpected Provider Error"), and no diagnostic of any RPC carries a secret."""

from __future__ import annotations

import json
from typing import Any

import pytest

from terraform_provider_openai import masking
from terraform_provider_openai.framework.gen import tfplugin6_8_pb2 as pb
from terraform_provider_openai.framework.schema import encode_state
from terraform_provider_openai.framework.servicer import ProviderServicer, read_dynamic_value
from terraform_provider_openai.framework.statecheck import state_problems
from terraform_provider_openai.provider import OpenAIProvider
from terraform_provider_openai.resources.chat_completion import ChatCompletionResource

TYPE = "openai_chat_completion"
SCHEMA = ChatCompletionResource.get_schema()
GOOD = {
    "model": "gpt-4o",
    "messages": [{"role": "user", "content": "hi"}],
    "temperature": 0.7,
    "id": "chatcmpl-1",
    "choices": [{"index": 0, "finish_reason": "stop", "message": [{"role": "assistant", "content": "ok"}]}],
    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    "metadata": {"team": "a"},
}


def upgrade(state: Any, raw: str | None = None) -> pb.UpgradeResourceState.Response:
    servicer = ProviderServicer(OpenAIProvider())
    text = raw if raw is not None else json.dumps(state)
    request = pb.UpgradeResourceState.Request(
        type_name=TYPE, version=0, raw_state=pb.RawState(json=text.encode())
    )
    return servicer.UpgradeResourceState(request, None)


def test_a_state_of_the_right_shape_upgrades_to_the_full_schema() -> None:
    resp = upgrade(GOOD)
    assert list(resp.diagnostics) == []
    state = read_dynamic_value(resp.upgraded_state)
    assert state["messages"][0]["content"] == "hi" and state["store"] is None
    assert state == encode_state(SCHEMA, {**GOOD, "temperature": 0.7}) | {"temperature": "0.7"}


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        ({"messages": "hello"}, "messages: expected a list, found a string ('hello')"),
        ({"choices": 3}, "choices: expected a list, found a number (3)"),
        (
            {"messages": [{"role": ["user"], "content": "hi"}]},
            "messages[0].role: expected a string, found a list",
        ),
        ({"messages": ["hi"]}, "messages[0]: expected an object, found a string ('hi')"),
        (
            {"usage": {"prompt_tokens": "many"}},
            "usage.prompt_tokens: expected a number, found a string ('many')",
        ),
        ({"metadata": {"team": 1}}, "metadata['team']: expected a string, found a number (1)"),
        ({"store": "yes"}, "store: expected a bool, found a string ('yes')"),
        ({"model": None}, "model: null, but it is required"),
        ({"model": ...}, "model: missing, but it is required"),
    ],
)
def test_a_state_of_the_wrong_shape_is_an_invalid_state_error(edit: dict[str, Any], expected: str) -> None:
    state = {k: v for k, v in {**GOOD, **edit}.items() if v is not ...}
    resp = upgrade(state)
    [diag] = resp.diagnostics
    assert diag.severity == pb.Diagnostic.ERROR
    assert diag.summary == "Invalid State for openai_chat_completion"
    assert f"- {expected}" in diag.detail, diag.detail
    assert "terraform state rm" in diag.detail
    assert read_dynamic_value(resp.upgraded_state) is None


def test_a_state_that_is_not_json_is_an_invalid_state_error() -> None:
    [diag] = upgrade(None, raw="{not json").diagnostics
    assert diag.summary == "Invalid State for openai_chat_completion"
    assert "not valid JSON" in diag.detail


def test_every_problem_is_listed_up_to_a_limit() -> None:
    problems = state_problems(SCHEMA, {"model": 1, "messages": [1] * 30})
    assert problems[0] == "model: expected a string, found a number (1)"
    assert len(problems) == 21 and problems[-1] == "... and 11 more"
    assert state_problems(SCHEMA, []) == ["the state is a list, not an object of attributes"]


def test_unknown_attributes_and_missing_optional_ones_are_fine() -> None:
    assert state_problems(SCHEMA, {"model": "m", "messages": [], "removed_attribute": {"x": 1}}) == []


def test_unexpected_errors_and_every_diagnostic_are_masked() -> None:
    key = "sk-guard-secret-0123456789"
    masking.register(key)

    class Broken:
        def ensure_ready(self) -> None:
            pass

        def create_chat_completion(self, body: dict[str, Any]) -> dict[str, Any]:
            raise RuntimeError(f"Illegal header value {('Bearer ' + key + chr(10)).encode()!r}")

    provider = OpenAIProvider()
    provider._client = Broken()
    config = encode_state(SCHEMA, {"model": "m", "messages": [{"role": "user", "content": key}]})
    from terraform_provider_openai.framework.servicer import to_dynamic_value

    resp = ProviderServicer(provider).ApplyResourceChange(
        pb.ApplyResourceChange.Request(
            type_name=TYPE,
            prior_state=to_dynamic_value(None),
            planned_state=to_dynamic_value(config),
            config=to_dynamic_value(config),
        ),
        None,
    )
    [diag] = resp.diagnostics
    assert diag.summary == "Unexpected Provider Error"
    assert "Illegal header value b'Bearer ***\\n'" in diag.detail
    assert key[:8] not in diag.detail
