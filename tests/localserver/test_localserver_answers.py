"""The deterministic answer rules: text, n, stop, truncation, JSON output, tool and function calls."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from openai import OpenAI
from tests.localserver.conftest import user
from tests.support.localserver import LocalServer


@pytest.fixture
def client(server: LocalServer) -> OpenAI:
    return OpenAI(base_url=server.base_url, api_key="sk-anything", max_retries=0)


def _create(client: OpenAI, **kwargs: Any) -> Any:
    kwargs.setdefault("model", "gpt-4o-mini")
    return client.chat.completions.create(**kwargs)


def test_same_request_gives_the_same_answer(client: OpenAI) -> None:
    messages = [{"role": "system", "content": "sys"}, user("What is 2+2?")]
    answers = {_create(client, messages=messages).choices[0].message.content for _ in range(3)}
    assert answers == {"Local reply to: What is 2+2?"}


def test_answer_quotes_the_last_user_message_intact(client: OpenAI) -> None:
    text = '  unicode ✓ "quotes"\nnew line\ttab  '
    messages = [
        user("first"),
        {"role": "assistant", "content": "ok"},
        user(text),
        {"role": "assistant", "content": "x"},
    ]
    assert _create(client, messages=messages).choices[0].message.content == "Local reply to: " + text


def test_text_parts_of_the_last_user_message_are_joined_with_a_space(client: OpenAI) -> None:
    content = [{"type": "text", "text": "part one"}, {"type": "text", "text": "part two"}]
    completion = _create(client, messages=[{"role": "user", "content": content}])
    assert completion.choices[0].message.content == "Local reply to: part one part two"


def test_n_choices_differ_deterministically(client: OpenAI) -> None:
    completion = _create(client, messages=[user("pick")], n=3)
    assert [c.index for c in completion.choices] == [0, 1, 2]
    assert [c.message.content for c in completion.choices] == [
        "Local reply to: pick",
        "Local reply to: pick (choice 2)",
        "Local reply to: pick (choice 3)",
    ]
    assert completion.usage is not None and completion.usage.completion_tokens == 4 + 6 + 6


def test_max_tokens_truncates_to_that_many_words(client: OpenAI) -> None:
    completion = _create(client, messages=[user("one two three four")], max_tokens=5)
    assert completion.choices[0].message.content == "Local reply to: one two"
    assert completion.choices[0].finish_reason == "length"
    assert completion.usage is not None and completion.usage.completion_tokens == 5
    newer = _create(client, messages=[user("one two three four")], max_completion_tokens=4, max_tokens=100)
    assert (newer.choices[0].message.content, newer.choices[0].finish_reason) == (
        "Local reply to: one",
        "length",
    )
    roomy = _create(client, messages=[user("one two")], max_tokens=5)
    assert (roomy.choices[0].message.content, roomy.choices[0].finish_reason) == (
        "Local reply to: one two",
        "stop",
    )


def test_stop_sequences_cut_the_text(client: OpenAI) -> None:
    completion = _create(client, messages=[user("alpha STOP beta")], stop=["zzz", "STOP"])
    assert completion.choices[0].message.content == "Local reply to: alpha "
    assert completion.choices[0].finish_reason == "stop"
    single = _create(client, messages=[user("a, b")], stop=",")
    assert single.choices[0].message.content == "Local reply to: a"


def test_json_object_format_answers_a_json_object(client: OpenAI) -> None:
    completion = _create(client, messages=[user("as json")], response_format={"type": "json_object"})
    assert json.loads(completion.choices[0].message.content or "") == {"reply": "Local reply to: as json"}


SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 3},
        "age": {"type": "integer", "minimum": 18, "maximum": 99},
        "score": {"type": "number", "exclusiveMinimum": 0.5},
        "kind": {"type": "string", "enum": ["cat", "dog"]},
        "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2},
        "address": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "zip": {"type": ["string", "null"], "maxLength": 5}},
            "required": ["city", "zip"],
            "additionalProperties": False,
        },
        "when": {"type": "string", "format": "date-time"},
        "choice": {"anyOf": [{"type": "null"}, {"$ref": "#/$defs/point"}]},
        "fixed": {"const": 42},
        "active": {"type": "boolean"},
        "optional": {"type": "string"},
    },
    "required": ["name", "age", "score", "kind", "tags", "address", "when", "choice", "fixed", "active"],
    "additionalProperties": False,
    "$defs": {
        "point": {
            "type": "object",
            "properties": {"x": {"type": "number", "multipleOf": 3, "minimum": 1}},
            "required": ["x"],
        }
    },
}


def test_json_schema_format_answers_json_that_validates_against_the_schema(client: OpenAI) -> None:
    completion = _create(
        client,
        messages=[user("structured")],
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "person", "schema": SCHEMA, "strict": True},
        },
    )
    value = json.loads(completion.choices[0].message.content or "")
    jsonschema.validate(value, SCHEMA)
    assert value["kind"] == "cat" and value["fixed"] == 42 and "optional" not in value
    assert value["name"] == "Local reply to: structured"


def test_required_tool_choice_calls_the_first_tool_with_valid_arguments(client: OpenAI) -> None:
    tools: list[Any] = [
        {
            "type": "function",
            "function": {"name": "get_weather", "description": "weather", "parameters": SCHEMA},
        },
        {
            "type": "function",
            "function": {"name": "other", "parameters": {"type": "object", "properties": {}}},
        },
    ]
    completion = _create(client, messages=[user("weather?")], tools=tools, tool_choice="required")
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    (call,) = choice.message.tool_calls or []
    assert call.type == "function" and call.id.startswith("call_")
    assert call.function.name == "get_weather"
    jsonschema.validate(json.loads(call.function.arguments), SCHEMA)
    again = _create(client, messages=[user("weather?")], tools=tools, tool_choice="required")
    assert (again.choices[0].message.tool_calls or [])[0].id == call.id


def test_named_tool_choice_calls_that_tool(client: OpenAI) -> None:
    tools: list[Any] = [
        {"type": "function", "function": {"name": "first"}},
        {
            "type": "function",
            "function": {
                "name": "second",
                "parameters": {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]},
            },
        },
    ]
    completion = _create(
        client,
        messages=[user("go")],
        tools=tools,
        tool_choice={"type": "function", "function": {"name": "second"}},
    )
    call = (completion.choices[0].message.tool_calls or [])[0]
    assert (call.function.name, json.loads(call.function.arguments)) == (
        "second",
        {"q": "Local reply to: go"},
    )


def test_auto_tool_choice_calls_the_first_tool_after_a_user_message_and_answers_after_a_tool_result(
    client: OpenAI,
) -> None:
    tools: list[Any] = [
        {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}
    ]
    first = _create(client, messages=[user("find it")], tools=tools)
    assert first.choices[0].finish_reason == "tool_calls"
    call = (first.choices[0].message.tool_calls or [])[0]
    assert call.function.arguments == "{}"
    follow_up = [
        user("find it"),
        {"role": "assistant", "content": None, "tool_calls": [call.model_dump()]},
        {"role": "tool", "content": "found", "tool_call_id": call.id},
    ]
    second = _create(client, messages=follow_up, tools=tools)
    assert second.choices[0].finish_reason == "stop"
    assert second.choices[0].message.content == "Local reply to: find it"
    none = _create(client, messages=[user("find it")], tools=tools, tool_choice="none")
    assert none.choices[0].message.tool_calls is None


def test_tool_calls_with_n_choices_have_distinct_ids(client: OpenAI) -> None:
    tools: list[Any] = [{"type": "function", "function": {"name": "f"}}]
    completion = _create(client, messages=[user("x")], tools=tools, tool_choice="required", n=3)
    ids = [(c.message.tool_calls or [])[0].id for c in completion.choices]
    assert len(set(ids)) == 3


def test_legacy_functions_answer_a_function_call(client: OpenAI) -> None:
    functions: list[Any] = [
        {
            "name": "alpha",
            "parameters": {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]},
        },
        {"name": "beta", "parameters": {"type": "object", "properties": {}}},
    ]
    auto = _create(client, messages=[user("call")], functions=functions, function_call="auto")
    assert auto.choices[0].finish_reason == "function_call"
    assert auto.choices[0].message.function_call is not None
    assert (auto.choices[0].message.function_call.name, auto.choices[0].message.function_call.arguments) == (
        "alpha",
        '{"n": 0}',
    )
    named = _create(client, messages=[user("call")], functions=functions, function_call={"name": "beta"})
    assert (
        named.choices[0].message.function_call is not None
        and named.choices[0].message.function_call.name == "beta"
    )
    none = _create(client, messages=[user("call")], functions=functions, function_call="none")
    assert none.choices[0].message.function_call is None
    assert none.choices[0].message.content == "Local reply to: call"
    after_result = _create(
        client,
        messages=[user("call"), {"role": "function", "name": "alpha", "content": "1"}],
        functions=functions,
    )
    assert after_result.choices[0].finish_reason == "stop"


def test_logprobs_are_returned_per_word_when_asked(client: OpenAI) -> None:
    completion = _create(client, messages=[user("hi")], logprobs=True, top_logprobs=2)
    logprobs = completion.choices[0].logprobs
    assert logprobs is not None and logprobs.content is not None
    assert [t.token for t in logprobs.content] == ["Local", " reply", " to:", " hi"]
    assert all(len(t.top_logprobs) == 2 for t in logprobs.content)


def test_usage_counts_words_of_inputs_and_names(client: OpenAI) -> None:
    completion = _create(client, messages=[{"role": "user", "content": "a b c", "name": "bob"}, user("d")])
    assert completion.usage is not None
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (5, 4)


def test_service_tier_is_echoed_unless_auto(client: OpenAI) -> None:
    assert _create(client, messages=[user("x")], service_tier="flex").service_tier == "flex"
    assert _create(client, messages=[user("x")], service_tier="auto").service_tier == "default"
