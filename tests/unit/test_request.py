"""Terraform values <-> API request body."""

from __future__ import annotations

import json

from openai.types.chat import ChatCompletion, ChatCompletionStoreMessage

from terraform_provider_openai.request import build_request, message_values, settings_from_stored

PARAMS = json.dumps({"type": "object", "properties": {"q": {"type": "string"}}})


def test_minimal_body_sends_only_what_is_set() -> None:
    body = build_request(
        {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi", "name": None}], "n": None}
    )
    assert body == {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}


def test_json_strings_become_objects_and_names_become_choices() -> None:
    body = build_request(
        {
            "model": "m",
            "messages": [{"role": "user", "content": "hi"}],
            "functions": [{"name": "f", "description": None, "parameters": PARAMS}],
            "function_call": "f",
            "tools": [
                {
                    "type": None,
                    "function": {"name": "t", "parameters": PARAMS, "strict": True, "description": None},
                }
            ],
            "tool_choice": "t",
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "s", "schema": PARAMS, "strict": None, "description": None},
            },
        }
    )
    assert body["functions"] == [{"name": "f", "parameters": json.loads(PARAMS)}]
    assert body["function_call"] == {"name": "f"}
    assert body["tools"] == [
        {"type": "function", "function": {"name": "t", "strict": True, "parameters": json.loads(PARAMS)}}
    ]
    assert body["tool_choice"] == {"type": "function", "function": {"name": "t"}}
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "s", "schema": json.loads(PARAMS)},
    }


def test_keywords_stay_strings() -> None:
    body = build_request(
        {
            "model": "m",
            "messages": [],
            "function_call": "auto",
            "tool_choice": "required",
            "functions": [],
            "tools": [],
        }
    )
    assert body["function_call"] == "auto" and body["tool_choice"] == "required"


def test_integers_and_maps() -> None:
    body = build_request(
        {
            "model": "m",
            "messages": [],
            "n": 3.0,
            "seed": 7.0,
            "max_tokens": 5,
            "temperature": 1.0,
            "logit_bias": {"50256": -100.0},
            "stop": ["x"],
            "store": True,
            "metadata": {"a": "b"},
        }
    )
    assert body["n"] == 3 and isinstance(body["n"], int)
    assert body["seed"] == 7 and isinstance(body["seed"], int)
    assert body["logit_bias"] == {"50256": -100} and isinstance(body["logit_bias"]["50256"], int)
    assert body["stop"] == ["x"] and body["store"] is True and body["metadata"] == {"a": "b"}


def test_assistant_and_function_messages_keep_a_null_content() -> None:
    body = build_request(
        {
            "model": "m",
            "messages": [
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [{"id": "c1", "type": None, "function": {"name": "f", "arguments": "{}"}}],
                },
                {"role": "tool", "content": "42", "tool_call_id": "c1"},
                {"role": "assistant", "content": None, "function_call": {"name": "f", "arguments": "{}"}},
                {"role": "function", "name": "f", "content": None},
            ],
        }
    )
    m = body["messages"]
    assert m[0] == {
        "role": "assistant",
        "content": None,
        "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
    }
    assert m[1] == {"role": "tool", "content": "42", "tool_call_id": "c1"}
    assert m[2] == {"role": "assistant", "content": None, "function_call": {"name": "f", "arguments": "{}"}}
    assert m[3] == {"role": "function", "name": "f", "content": None}


def test_settings_from_stored_drop_api_defaults() -> None:
    stored = {
        "temperature": 1.0,
        "top_p": 0.5,
        "n": 1,
        "service_tier": "default",
        "tool_choice": {"type": "function", "function": {"name": "t"}},
        "function_call": {"name": "f"},
        "tools": [{"type": "function", "function": {"name": "t", "parameters": {"type": "object"}}}],
        "response_format": {"type": "text"},
        "stop": "\n",
        "logit_bias": {},
    }
    completion = ChatCompletion.construct(id="chatcmpl-1", **stored)  # settings are the SDK's extras
    values = settings_from_stored(completion, drop_defaults=True)
    assert values["temperature"] is None and values["n"] is None and values["service_tier"] is None
    assert values["top_p"] == 0.5
    assert values["tool_choice"] == "t" and values["function_call"] == "f"
    assert values["tools"][0]["function"]["parameters"] == '{"type":"object"}'
    assert values["response_format"] is None
    assert values["stop"] == ["\n"] and values["logit_bias"] is None
    kept = settings_from_stored(completion, drop_defaults=False)
    assert kept["temperature"] == 1.0 and kept["response_format"] == {"type": "text", "json_schema": None}


def test_message_values_of_a_stored_message() -> None:
    value = message_values(
        ChatCompletionStoreMessage.construct(
            id="m1",
            role="assistant",
            content=None,
            tool_calls=[{"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
        )
    )
    assert value == {
        "role": "assistant",
        "content": None,
        "name": None,
        "function_call": None,
        "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
        "tool_call_id": None,
    }


def test_message_values_read_the_fields_the_sdk_does_not_declare() -> None:
    # the SDK types a stored message as an assistant message: `name` and `tool_call_id` are extras
    tool = ChatCompletionStoreMessage.construct(id="m2", role="tool", content="42", tool_call_id="c")
    named = ChatCompletionStoreMessage.construct(
        id="m3", role="function", content=None, name="f", function_call=None
    )
    assert message_values(tool)["tool_call_id"] == "c" and message_values(tool)["role"] == "tool"
    assert message_values(named)["name"] == "f" and message_values(named)["function_call"] is None


def test_the_provider_never_streams() -> None:
    """The local server streams since issue 13; the provider does not: no attribute maps to
    `stream` or `stream_options`, so no configuration can send them."""
    from terraform_provider_openai.fields import AS_IS, BY_API_PATH

    assert not {"stream", "stream_options"} & {path.split(".")[0].split("[")[0] for path in BY_API_PATH}
    every = {"model": "m", "messages": [{"role": "user", "content": "hi"}], **{f.name: 1 for f in AS_IS}}
    assert not {"stream", "stream_options"} & set(build_request(every))
