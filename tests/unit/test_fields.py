"""The request attributes' declarations, and what is derived from them: schema, body, import and
the comparison that decides whether a change needs a new completion."""

from __future__ import annotations

import json

import pytest
from openai.types.chat import ChatCompletion

from terraform_provider_openai.data_sources.chat_completion import ChatCompletionDataSource
from terraform_provider_openai.fields import API_DEFAULTS, AS_IS, BY_API_PATH, BY_NAME, FIELDS, SETTINGS
from terraform_provider_openai.framework.types import Bool, Unknown
from terraform_provider_openai.request import build_request, settings_from_stored
from terraform_provider_openai.resources.chat_completion import ChatCompletionResource

SCHEMA = json.dumps({"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]})
# the same schema as another tool sends it: other key order, whitespace
SCHEMA_REORDERED = '{ "required": ["a"],\n  "properties": {"a": {"type": "string"}}, "type": "object" }'


def test_every_field_is_an_attribute_of_the_resource_and_the_shared_ones_of_the_data_source() -> None:
    resource = {a.name: a for a in ChatCompletionResource.get_schema().attributes}
    data_source = {a.name: a for a in ChatCompletionDataSource.get_schema().attributes}
    for field in FIELDS:
        assert resource[field.name].description == field.description
        assert bool(resource[field.name].required) == field.required
    for field in SETTINGS:
        assert data_source[field.name].computed and not data_source[field.name].optional


def test_api_defaults_and_integers_come_from_the_declarations() -> None:
    assert API_DEFAULTS == {
        "temperature": 1,
        "top_p": 1,
        "n": 1,
        "presence_penalty": 0,
        "frequency_penalty": 0,
        "logprobs": False,
        "service_tier": "auto",
        "parallel_tool_calls": True,
        "store": False,
    }
    assert {f.name for f in AS_IS if f.integer} == {
        "n",
        "max_tokens",
        "max_completion_tokens",
        "top_logprobs",
        "seed",
    }
    assert "function_call" not in {f.name for f in AS_IS}  # sent as {"name": ...}: converted by hand


def test_api_paths_reach_nested_fields_for_rules_to_key_on() -> None:
    for path in (
        "temperature",
        "messages[].tool_calls[].function.arguments",
        "functions[].parameters",
        "tools[].function.parameters",
        "response_format.json_schema.schema",
    ):
        assert path in BY_API_PATH, path
    assert BY_API_PATH["tools[].function.strict"].default is False


def test_every_as_is_setting_goes_to_the_body_and_comes_back_from_a_stored_completion() -> None:
    values: dict[str, object] = {
        f.name: 3 if f.integer else True if isinstance(f.type, Bool) else 0.5 for f in AS_IS
    }
    values = {**values, "user": "u", "reasoning_effort": "low", "service_tier": "flex"}
    body = build_request({"model": "m", "messages": [], **values})
    stored = ChatCompletion.construct(id="c", **{f.api_name: body[f.api_name] for f in AS_IS})
    back = settings_from_stored(stored, drop_defaults=False)
    assert {f.name: back[f.name] for f in AS_IS} == values


@pytest.mark.parametrize(
    ("name", "prior", "planned", "same"),
    [
        ("temperature", None, 1, True),  # null is the API's default
        ("temperature", 1.0, None, True),
        ("temperature", 0.7, 0.7, True),
        ("temperature", 0.7, 0.2, False),
        ("temperature", None, Unknown, False),
        ("store", False, None, True),
        ("seed", None, 0, False),  # no default: null is not 0
        ("model", "gpt-4o-2024-08-06", "gpt-4o", True),  # the imported snapshot of the alias
        ("model", "gpt-4o-mini", "gpt-4o", False),
        ("model", "gpt-4o", "gpt-4o-2024-08-06", False),  # an alias may move to another snapshot
        ("stop", ["a"], ["a", "b"], False),
        ("logit_bias", {"1": 5}, {"1": 5.0}, True),
    ],
)
def test_scalar_comparisons(name: str, prior: object, planned: object, same: bool) -> None:
    assert BY_NAME[name].same(prior, planned) is same


def tools(parameters: object, **function: object) -> list[dict[str, object]]:
    return [
        {
            "type": function.pop("type", "function"),
            "function": {
                "name": "f",
                "description": None,
                "parameters": parameters,
                "strict": None,
                **function,
            },
        }
    ]


def test_json_schemas_compare_by_meaning_not_text() -> None:
    field = BY_NAME["tools"]
    assert field.same(tools(SCHEMA), tools(SCHEMA_REORDERED))
    assert not field.same(tools(SCHEMA), tools(SCHEMA.replace('"a"]', '"b"]')))
    assert not field.same(tools('{"x": true}'), tools('{"x": 1}'))  # true is not 1
    assert field.same(tools('{"x": 1}'), tools('{"x": 1.0}'))
    assert not field.same(tools("not json"), tools("not  json"))
    assert not field.same(tools(SCHEMA), tools(Unknown))
    assert BY_NAME["functions"].same(
        [{"name": "f", "description": None, "parameters": SCHEMA}],
        [{"name": "f", "description": None, "parameters": SCHEMA_REORDERED}],
    )
    rf = BY_NAME["response_format"]
    fmt = {
        "type": "json_schema",
        "json_schema": {"name": "s", "description": None, "schema": SCHEMA, "strict": True},
    }
    other = {**fmt, "json_schema": {**fmt["json_schema"], "schema": SCHEMA_REORDERED}}  # type: ignore[dict-item]
    assert rf.same(fmt, other)
    assert not rf.same(fmt, {**fmt, "type": "json_object"})


def test_nested_defaults_compare_like_top_level_ones() -> None:
    field = BY_NAME["tools"]
    assert field.same(tools(SCHEMA), tools(SCHEMA, type=None))  # a tool's type defaults to function
    assert field.same(tools(SCHEMA, strict=False), tools(SCHEMA))  # strict defaults to false
    assert not field.same(tools(SCHEMA, strict=True), tools(SCHEMA))
    assert not field.same(tools(SCHEMA), tools(SCHEMA) * 2)
    call = {"id": "c1", "function": {"name": "f", "arguments": "{}"}}
    message = {
        "role": "assistant",
        "content": None,
        "name": None,
        "function_call": None,
        "tool_call_id": None,
    }
    assert BY_NAME["messages"].same(
        [{**message, "tool_calls": [{**call, "type": "function"}]}],
        [{**message, "tool_calls": [{**call, "type": None}]}],
    )
