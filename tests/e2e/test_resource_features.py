"""Request features of `openai_chat_completion` end to end: what the server receives (JSON schemas
as objects, named choices as objects, messages in order) and what the user reads back (outputs,
state). One configuration with one resource per feature is applied once for the whole module.

The objects inside objects (`tools[*].function`) list every field, `null` for those left out, as
Terraform 1.0 needs (it gets the nested attributes as object-typed attributes): these tests are
about the requests, and run on every Terraform; leaving such fields out is what test_import.py and
the examples do (Terraform 1.1+)."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from tests.support.localserver import LocalServer
from tests.support.terraform import TerraformHome, Workspace, provider_block, required_providers

WEATHER_PARAMS = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["c", "f"]}},
    "required": ["city", "unit"],
}
ANSWER_SCHEMA = {
    "type": "object",
    "properties": {
        "answer": {"type": "string"},
        "confidence": {"type": "number"},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["answer", "confidence", "tags"],
    "additionalProperties": False,
}

CONFIG = """
locals {
  weather = jsonencode(WEATHER_PARAMS)
}

resource "openai_chat_completion" "functions_auto" {
  model         = "gpt-4o"
  messages      = [{ role = "user", content = "functions_auto: weather in Paris?" }]
  functions     = [
    { name = "get_weather", description = "Current weather", parameters = local.weather },
    { name = "get_time", parameters = jsonencode({ type = "object", properties = {} }) },
  ]
  function_call = "auto"
}

resource "openai_chat_completion" "functions_named" {
  model         = "gpt-4o"
  messages      = [{ role = "user", content = "functions_named: what time is it?" }]
  functions     = [
    { name = "get_weather", parameters = local.weather },
    { name = "get_time", parameters = jsonencode({ type = "object", properties = { tz = { type = "string" } }, required = ["tz"] }) },
  ]
  function_call = "get_time"
}

resource "openai_chat_completion" "tools_required" {
  model       = "gpt-4o"
  messages    = [{ role = "user", content = "tools_required: weather in Oslo" }]
  tools       = [{ type = "function", function = { name = "get_weather", description = "Weather", parameters = local.weather, strict = true } }]
  tool_choice = "required"
}

resource "openai_chat_completion" "tools_named" {
  model       = "gpt-4o"
  messages    = [{ role = "user", content = "tools_named: look it up" }]
  tools = [
    { type = "function", function = { name = "get_weather", description = null, parameters = local.weather, strict = null } },
    { function = { name = "lookup", description = null, parameters = jsonencode({ type = "object", properties = { q = { type = "string" } }, required = ["q"] }), strict = null } },
  ]
  tool_choice         = "lookup"
  parallel_tool_calls = false
}

resource "openai_chat_completion" "three_choices" {
  model    = "gpt-4o"
  messages = [{ role = "user", content = "three_choices" }]
  n        = 3
}

resource "openai_chat_completion" "json_schema" {
  model    = "gpt-4o"
  messages = [{ role = "user", content = "json_schema: answer me" }]
  response_format = {
    type        = "json_schema"
    json_schema = { name = "answer", description = "An answer", schema = jsonencode(ANSWER_SCHEMA), strict = true }
  }
}

resource "openai_chat_completion" "json_object" {
  model           = "gpt-4o"
  messages        = [{ role = "system", content = "Answer in JSON." }, { role = "user", content = "json_object please" }]
  response_format = { type = "json_object" }
}

resource "openai_chat_completion" "stop" {
  model    = "gpt-4o"
  messages = [{ role = "user", content = "stop here: and not this part" }]
  stop     = [":", "\\n\\n"]
}

resource "openai_chat_completion" "max_tokens" {
  model      = "gpt-4o"
  messages   = [{ role = "user", content = "max_tokens one two three four five six" }]
  max_tokens = 3
}

resource "openai_chat_completion" "conversation" {
  model = "gpt-4o"
  messages = [
    { role = "system", content = "conversation: you can look up the weather" },
    { role = "user", content = "What is the weather in Rome?" },
    {
      role       = "assistant"
      tool_calls = [{ id = "call_rome_1", type = "function", function = { name = "get_weather", arguments = jsonencode({ city = "Rome", unit = "c" }) } }]
    },
    { role = "tool", tool_call_id = "call_rome_1", content = jsonencode({ temperature = 21 }) },
    { role = "assistant", function_call = { name = "get_weather", arguments = "{\\"city\\":\\"Rome\\"}" } },
    { role = "function", name = "get_weather", content = "sunny" },
    { role = "developer", content = "Be brief." },
    { role = "user", content = "conversation: so, shorts?", name = "alice" },
  ]
  tools = [{ type = "function", function = { name = "get_weather", description = null, parameters = local.weather, strict = null } }]
  tool_choice = "none"
}

output "function_name" { value = openai_chat_completion.functions_auto.message.function_call.name }
output "function_name_nested" { value = openai_chat_completion.functions_auto.choices[0].message[0].function_call[0].name }
output "tool_name" { value = openai_chat_completion.tools_required.message.tool_calls[0].function.name }
output "tool_arguments" { value = openai_chat_completion.tools_required.message.tool_calls[0].function.arguments }
output "nested_tool_arguments" { value = openai_chat_completion.tools_required.choices[0].message[0].tool_calls[0].function[0].arguments }
output "json_answer" { value = jsondecode(openai_chat_completion.json_schema.content) }
""".replace("WEATHER_PARAMS", json.dumps(WEATHER_PARAMS)).replace("ANSWER_SCHEMA", json.dumps(ANSWER_SCHEMA))


class Applied:
    def __init__(self, ws: Workspace, requests: list[dict[str, Any]]):
        self.ws = ws
        self.requests = requests
        self.state = {r["name"]: r["values"] for r in ws.state()["values"]["root_module"]["resources"]}
        self.outputs = ws.outputs()

    def body(self, marker: str) -> dict[str, Any]:
        """The create body whose first user message mentions `marker`."""
        for r in self.requests:
            if r["path"] != "/v1/chat/completions" or r["method"] != "POST":
                continue
            users = [m for m in r["body"]["messages"] if m["role"] in ("user", "system")]
            if users and users[0]["content"].startswith(marker):
                return r["body"]
        raise KeyError(marker)


@pytest.fixture(scope="module")
def applied(tf_home: TerraformHome, server: LocalServer, tmp_path_factory: pytest.TempPathFactory) -> Applied:
    server.reset()
    ws = tf_home.workspace(tmp_path_factory.mktemp("features"))
    # the JSON schemas are written as HCL object literals (HCL accepts `"key": value`)
    ws.write(required_providers() + provider_block(server.base_url) + CONFIG)
    ws.init()
    ws.apply()
    return Applied(ws, server.requests())


def test_every_resource_made_exactly_one_request(applied: Applied) -> None:
    assert len(applied.requests) == 10
    assert all(r["status"] == 200 for r in applied.requests), applied.requests


def test_function_call_auto_returns_the_called_function(applied: Applied) -> None:
    state = applied.state["functions_auto"]
    assert state["finish_reason"] == "function_call"
    assert state["content"] is None
    assert state["message"]["function_call"]["name"] == "get_weather"
    args = json.loads(state["message"]["function_call"]["arguments"])
    jsonschema.validate(args, WEATHER_PARAMS)
    assert applied.outputs["function_name"] == "get_weather"
    assert applied.outputs["function_name_nested"] == "get_weather"


def test_functions_are_sent_with_parameters_as_json_objects(applied: Applied) -> None:
    body = applied.body("functions_auto")
    assert body["function_call"] == "auto"
    assert body["functions"][0] == {
        "name": "get_weather",
        "description": "Current weather",
        "parameters": WEATHER_PARAMS,
    }
    assert body["functions"][1] == {"name": "get_time", "parameters": {"type": "object", "properties": {}}}


def test_named_function_call_is_sent_as_an_object(applied: Applied) -> None:
    body = applied.body("functions_named")
    assert body["function_call"] == {"name": "get_time"}
    state = applied.state["functions_named"]
    assert state["message"]["function_call"]["name"] == "get_time"
    assert "tz" in json.loads(state["message"]["function_call"]["arguments"])


def test_tool_choice_required_returns_a_tool_call(applied: Applied) -> None:
    state = applied.state["tools_required"]
    assert state["finish_reason"] == "tool_calls"
    call = state["message"]["tool_calls"][0]
    assert call["type"] == "function"
    assert call["id"].startswith("call_")
    assert call["function"]["name"] == "get_weather"
    assert applied.outputs["tool_name"] == "get_weather"
    # arguments stay the JSON string the API returned
    assert isinstance(applied.outputs["tool_arguments"], str)
    jsonschema.validate(json.loads(applied.outputs["tool_arguments"]), WEATHER_PARAMS)
    assert applied.outputs["nested_tool_arguments"] == applied.outputs["tool_arguments"]
    body = applied.body("tools_required")
    assert body["tool_choice"] == "required"
    assert body["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Weather",
                "parameters": WEATHER_PARAMS,
                "strict": True,
            },
        }
    ]


def test_named_tool_choice_is_sent_as_a_function_object(applied: Applied) -> None:
    body = applied.body("tools_named")
    assert body["tool_choice"] == {"type": "function", "function": {"name": "lookup"}}
    assert body["parallel_tool_calls"] is False
    # `type` defaults to "function"
    assert body["tools"][1]["type"] == "function"
    assert body["tools"][1]["function"]["parameters"] == {
        "type": "object",
        "properties": {"q": {"type": "string"}},
        "required": ["q"],
    }
    state = applied.state["tools_named"]
    assert state["message"]["tool_calls"][0]["function"]["name"] == "lookup"


def test_n_returns_every_choice_in_order(applied: Applied) -> None:
    state = applied.state["three_choices"]
    assert applied.body("three_choices")["n"] == 3
    assert [c["index"] for c in state["choices"]] == [0, 1, 2]
    contents = [c["message"][0]["content"] for c in state["choices"]]
    assert contents == [
        "Local reply to: three_choices",
        "Local reply to: three_choices (choice 2)",
        "Local reply to: three_choices (choice 3)",
    ]
    assert state["content"] == contents[0]


def test_json_schema_answer_follows_the_schema(applied: Applied) -> None:
    state = applied.state["json_schema"]
    answer = json.loads(state["content"])
    jsonschema.validate(answer, ANSWER_SCHEMA)
    assert applied.outputs["json_answer"] == answer
    fmt = applied.body("json_schema")["response_format"]
    assert fmt == {
        "type": "json_schema",
        "json_schema": {
            "name": "answer",
            "description": "An answer",
            "schema": ANSWER_SCHEMA,
            "strict": True,
        },
    }


def test_json_object_answer_is_json(applied: Applied) -> None:
    assert applied.body("Answer in JSON.")["response_format"] == {"type": "json_object"}
    assert isinstance(json.loads(applied.state["json_object"]["content"]), dict)


def test_stop_sequences_cut_the_answer(applied: Applied) -> None:
    assert applied.body("stop here")["stop"] == [":", "\n\n"]
    state = applied.state["stop"]
    assert state["content"] == "Local reply to"
    assert state["finish_reason"] == "stop"


def test_max_tokens_truncates_with_finish_reason_length(applied: Applied) -> None:
    assert applied.body("max_tokens")["max_tokens"] == 3
    state = applied.state["max_tokens"]
    assert state["finish_reason"] == "length"
    assert state["content"] == "Local reply to:"
    assert state["usage"]["completion_tokens"] == 3


def test_multi_turn_conversation_is_sent_in_order_with_tool_call_ids(applied: Applied) -> None:
    body = applied.body("conversation")
    messages = body["messages"]
    assert [m["role"] for m in messages] == [
        "system",
        "user",
        "assistant",
        "tool",
        "assistant",
        "function",
        "developer",
        "user",
    ]
    assert messages[2]["tool_calls"] == [
        {
            "id": "call_rome_1",
            "type": "function",
            "function": {
                "name": "get_weather",
                "arguments": json.dumps({"city": "Rome", "unit": "c"}, separators=(",", ":")),
            },
        }
    ]
    assert messages[2].get("content") is None
    assert messages[3] == {"role": "tool", "tool_call_id": "call_rome_1", "content": '{"temperature":21}'}
    assert messages[4]["function_call"] == {"name": "get_weather", "arguments": '{"city":"Rome"}'}
    assert messages[5] == {"role": "function", "name": "get_weather", "content": "sunny"}
    assert messages[7] == {"role": "user", "content": "conversation: so, shorts?", "name": "alice"}
    assert body["tool_choice"] == "none"
    state = applied.state["conversation"]
    assert state["content"] == "Local reply to: conversation: so, shorts?"
    # the inputs keep their order in state too
    assert [m["role"] for m in state["messages"]] == [m["role"] for m in messages]


def test_features_plan_no_changes_after_apply(applied: Applied, server: LocalServer) -> None:
    server.clear_requests()
    code, result = applied.ws.plan_exit_code()
    assert code == 0, result
    assert server.requests() == []
