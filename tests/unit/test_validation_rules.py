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


# ---- hostile inputs ----------------------------------------------------------------------------

STORED = {"store": True}


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"model": "gpt-4o\n"}, "Invalid model: model must not contain control characters"),
        ({"model": " gpt-4o"}, "Invalid model: model must not start or end with whitespace; got ' gpt-4o'."),
        ({"model": "gpt\u202e-4o"}, "Invalid model: model must not contain control characters or invisible"),
        ({"model": "\ufeffgpt-4o"}, "U+FEFF (ZERO WIDTH NO-BREAK SPACE) at position 0 in '\\ufeffgpt-4o'"),
        ({"model": "gpt-4o\x85"}, "U+0085 (control character) at position 6"),
        ({"model": "gpt-4o\x7f"}, "U+007F (DELETE) at position 6"),
        (
            {"messages": [{"role": "user", "content": "hi", "name": "ann\u200b"}]},
            "Invalid messages[0].name: messages[0].name must not contain control characters",
        ),
        (
            {"messages": [{"role": "user", "content": "hi", "name": "ann "}]},
            "Invalid messages[0].name: messages[0].name must not start or end with whitespace",
        ),
        (
            {"messages": [{"role": "function", "content": "1", "name": "get_time\n"}]},
            "Invalid messages[0].name: messages[0].name must not contain control characters",
        ),
        (
            {"functions": [{"name": "f\u2066"}]},
            "Invalid functions[0].name: functions[0].name must not contain control characters",
        ),
        (
            {"tools": [{"type": "function", "function": {"name": "lookup\n"}}]},
            "Invalid tools[0].function.name: tools[0].function.name must not contain control characters",
        ),
        (
            {"response_format": {"type": "json_schema", "json_schema": {"name": "x\t", "schema": "{}"}}},
            "Invalid response_format.json_schema.name: response_format.json_schema.name must not contain",
        ),
        ({"user": "u\r\nX-Evil: 1"}, "Invalid user: user must not contain control characters; found U+000D"),
        ({"metadata": {"": "v"}}, "Invalid metadata: metadata keys must not be empty."),
        ({"metadata": {" ": "v"}}, "Invalid metadata: metadata keys must not be empty; got ' '."),
        ({"metadata": {"team\u202e": "v"}}, "Invalid metadata: metadata keys must not contain control"),
        ({"metadata": {"team\n": "v"}}, "Invalid metadata: metadata keys must not contain control"),
        (
            {"metadata": {" team": "v"}},
            "Invalid metadata: metadata keys must not start or end with whitespace",
        ),
        (
            {"metadata": {"terraform_create_marker": "x"}},
            "Invalid metadata[terraform_create_marker]: metadata[terraform_create_marker] is reserved",
        ),
        (
            {**STORED, "metadata": {f"k{i}": "v" for i in range(16)}},
            "Invalid metadata: metadata may hold at most 15 key-value pairs with `store = true`",
        ),
        (
            {"logit_bias": {"50256\n": 1}},
            "Invalid logit_bias[50256\\n]: logit_bias[50256\\n] keys must be token IDs",
        ),
        ({"max_tokens": 1e300}, "Invalid max_tokens: max_tokens must be at most 9223372036854775807"),
        ({"max_tokens": 2**63}, "max_tokens must be at most 9223372036854775807 (the largest integer"),
        ({"max_completion_tokens": 1e19}, "max_completion_tokens must be at most 9223372036854775807"),
        ({"max_tokens": float("inf")}, "Invalid max_tokens: max_tokens must be a whole number, got inf."),
        ({"seed": 1e300}, "Invalid seed: seed must be a whole number between -9223372036854775808"),
        ({"seed": -(2**63) - 1}, "seed must be a whole number between -9223372036854775808 and"),
        (
            {"top_logprobs": 1e300, "logprobs": True},
            "top_logprobs must be a whole number between 0 and 20, got 1e+300.",
        ),
        ({"n": 1e20}, "n must be a whole number between 1 and 128, got 1e+20."),
        (
            {"messages": [{"role": "user", "content": "x" * 10_485_761}]},
            "Invalid messages[0].content: messages[0].content is 10485761 characters long; the API takes "
            "strings of at most 10485760 characters.",
        ),
        (
            {
                "messages": [
                    {"role": "user", "content": "hi"},
                    {"role": "assistant", "function_call": {"name": "f", "arguments": "x" * 10_485_761}},
                ]
            },
            "Invalid messages[1].function_call.arguments: messages[1].function_call.arguments is 10485761",
        ),
    ],
)
def test_hostile_input(config: dict[str, Any], expected: str) -> None:
    found = problems(**config)
    assert any(expected in p for p in found), found


def test_exact_decimals_that_are_not_whole_are_not_whole() -> None:
    from terraform_provider_openai.framework.types import Number

    assert problems(n=Number().decode("1.00000000000000000001")) == [
        "Invalid n: n must be a whole number, got 1.00000000000000000001."
    ]


def test_edges_of_the_hostile_input_rules_are_accepted() -> None:
    assert (
        problems(
            model="gpt-4o",
            user="\u05d0\u05d1\u200f user with RTL mark and spaces ",
            messages=[{"role": "user", "content": "x" * 10_485_760, "name": "ann"}],
            metadata={f"k{i}": "v" for i in range(15)},
            store=True,
            max_tokens=2**63 - 1,
            max_completion_tokens=9.2e18,
            seed=2**63 - 1,
        )
        == []
    )
    assert problems(metadata={f"k{i}": "v" for i in range(16)}) == []  # not stored: 16
    assert problems(metadata={f"k{i}": "v" for i in range(16)}, store=Unknown) == []


def test_a_list_filter_may_name_the_create_marker() -> None:
    diags = Diagnostics()
    validate_listing(diags, {"metadata": {"terraform_create_marker": "abc"}})
    assert diags.diagnostics == []
    validate_listing(diags, {"metadata": {"": "abc"}, "limit": 1e300})
    assert {d.summary for d in diags.diagnostics} == {"Invalid metadata", "Invalid limit"}
