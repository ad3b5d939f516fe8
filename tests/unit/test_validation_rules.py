"""Plan-time rules called directly: each names its attribute; unknown values are skipped."""

from __future__ import annotations

from typing import Any

import pytest
from tf.utils import Diagnostics

from terraform_provider_openai.framework.types import Unknown
from terraform_provider_openai.validation import validate_listing, validate_request

USER = [{"role": "user", "content": "hi"}]


def problems(**config: Any) -> list[str]:
    diags = Diagnostics()
    validate_request(diags, {"model": "gpt-4o", "messages": USER, **config})
    return [f"{d.summary}: {d.detail}" for d in diags.diagnostics]


def test_a_valid_request_has_no_problems() -> None:
    assert problems(temperature=0.7, top_p=1, n=2, stop=["\n"], metadata={"a": "b"}, seed=-(2**63)) == []


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (
            {"temperature": 2.01},
            "Invalid temperature: temperature must be a number between 0 and 2, got 2.01.",
        ),
        ({"n": 2.5}, "Invalid n: n must be a whole number, got 2.5."),
        ({"seed": 2**63}, "Invalid seed: seed must be a whole number between"),
        ({"stop": []}, "Invalid stop: stop must hold 1 to 4 sequences"),
        ({"logit_bias": {"²": 1}}, "Invalid logit_bias[²]: logit_bias[²] keys must be token IDs"),
        ({"logit_bias": {"1": 1.5}}, "Invalid logit_bias[1]: logit_bias[1] must be a whole number, got 1.5."),
        (
            {"top_logprobs": 1, "logprobs": False},
            "Invalid top_logprobs: top_logprobs requires `logprobs = true`.",
        ),
        (
            {"metadata": {"k": "v" * 513}},
            "Invalid metadata[k]: metadata[k] values may be at most 512 characters",
        ),
        (
            {"functions": [{"name": "f", "parameters": "null"}]},
            "Invalid functions[0].parameters: functions[0].parameters must be a JSON object (a JSON Schema), got a JSON null.",
        ),
        (
            {
                "messages": [
                    {
                        "role": "assistant",
                        "tool_calls": [
                            {"id": "c", "type": None, "function": {"name": "f", "arguments": None}}
                        ],
                    }
                ]
            },
            "Invalid messages[0].tool_calls[0].function.arguments: messages[0].tool_calls[0].function.arguments is required",
        ),
    ],
)
def test_rule(config: dict[str, Any], expected: str) -> None:
    found = problems(**config)
    assert any(p.startswith(expected) for p in found), found


def test_unknown_values_are_skipped() -> None:
    assert (
        problems(
            temperature=Unknown,
            messages=[{"role": Unknown, "content": Unknown}, Unknown],
            functions=[{"name": Unknown, "parameters": Unknown}],
            function_call="lookup",
            tools=Unknown,
            tool_choice="lookup",
            top_logprobs=3,
            logprobs=Unknown,
            metadata={"k": Unknown},
            stop=Unknown,
            response_format={"type": "json_schema", "json_schema": {"name": "x", "schema": Unknown}},
        )
        == []
    )


def test_unknown_messages_list_is_skipped() -> None:
    diags = Diagnostics()
    validate_request(diags, {"model": Unknown, "messages": Unknown})
    assert diags.diagnostics == []


def test_listing_rules() -> None:
    diags = Diagnostics()
    validate_listing(diags, {"order": "up", "limit": 0}, max_limit=100)
    assert {d.summary for d in diags.diagnostics} == {"Invalid order", "Invalid limit"}
