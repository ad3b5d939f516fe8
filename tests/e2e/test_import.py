"""Importing a stored completion: `terraform import` and `import {}` blocks with generated
configuration rebuild the inputs (model, messages, store, metadata, sampling settings) so that
the matching configuration plans no change."""

from __future__ import annotations

from typing import Any

import pytest
from openai import OpenAI

from tests.support.terraform import provider_block, required_providers

ADDR = "openai_chat_completion.x"

# A completion made with tools, response_format, sampling settings and metadata.
RESOURCE = """
resource "openai_chat_completion" "x" {
  model = "gpt-4o"
  store = true
  messages = [
    { role = "system", content = "You answer with JSON." },
    { role = "user", content = "Weather in Paris?" },
  ]
  tools = [{
    type = "function"
    function = {
      name        = "get_weather"
      description = "Current weather of a city"
      parameters  = jsonencode({ type = "object", properties = { city = { type = "string" } }, required = ["city"] })
      strict      = true
    }
  }]
  tool_choice = "auto"
  response_format = {
    type = "json_schema"
    json_schema = {
      name   = "weather"
      schema = jsonencode({ type = "object", properties = { summary = { type = "string" } } })
      strict = true
    }
  }
  temperature       = 0.3
  top_p             = 0.9
  seed              = 42
  max_tokens        = 64
  presence_penalty  = 0.5
  frequency_penalty = -0.25
  stop              = ["END"]
  metadata          = { team = "search", env = "test" }
}
"""


def flat(text: str) -> str:
    return " ".join(text.split())


def stored_completion(local) -> tuple[OpenAI, str]:
    """Create the completion of RESOURCE through the API, as another tool would have."""
    client = OpenAI(base_url=local.base_url, api_key="sk-local-test", max_retries=0)
    completion = client.chat.completions.create(
        model="gpt-4o",
        store=True,
        messages=[
            {"role": "system", "content": "You answer with JSON."},
            {"role": "user", "content": "Weather in Paris?"},
        ],
        tools=[
            {
                "type": "function",
                "function": {
                    "name": "get_weather",
                    "description": "Current weather of a city",
                    "parameters": {
                        "properties": {"city": {"type": "string"}},
                        "required": ["city"],
                        "type": "object",
                    },
                    "strict": True,
                },
            }
        ],
        tool_choice="auto",
        response_format={
            "type": "json_schema",
            "json_schema": {
                "name": "weather",
                "schema": {"properties": {"summary": {"type": "string"}}, "type": "object"},
                "strict": True,
            },
        },
        temperature=0.3,
        top_p=0.9,
        seed=42,
        max_tokens=64,
        presence_penalty=0.5,
        frequency_penalty=-0.25,
        stop=["END"],
        metadata={"team": "search", "env": "test"},
    )
    return client, completion.id


def header(local) -> str:
    return required_providers() + provider_block(local.base_url)


def check_imported_state(state: dict[str, Any], completion_id: str) -> None:
    assert state["id"] == completion_id
    assert state["model"] == "gpt-4o"
    assert state["store"] is True
    assert state["metadata"] == {"team": "search", "env": "test"}
    assert [(m["role"], m["content"]) for m in state["messages"]] == [
        ("system", "You answer with JSON."),
        ("user", "Weather in Paris?"),
    ]
    assert state["temperature"] == 0.3
    assert state["top_p"] == 0.9
    assert state["seed"] == 42
    assert state["max_tokens"] == 64
    assert state["presence_penalty"] == 0.5
    assert state["frequency_penalty"] == -0.25
    assert state["stop"] == ["END"]
    assert state["tool_choice"] == "auto"
    assert state["tools"][0]["function"]["name"] == "get_weather"
    assert state["tools"][0]["function"]["strict"] is True
    assert state["response_format"]["type"] == "json_schema"
    assert state["response_format"]["json_schema"]["name"] == "weather"
    # the outputs are the stored answer's
    assert state["finish_reason"] == "tool_calls"
    assert state["message"]["tool_calls"][0]["function"]["name"] == "get_weather"
    assert state["choices"][0]["message"][0]["tool_calls"][0]["function"][0]["name"] == "get_weather"


@pytest.mark.requires_terraform(
    "1.1", "optional fields inside `response_format.json_schema`; 1.0 gets object-typed attributes"
)
def test_import_command_rebuilds_inputs_and_matching_config_plans_no_change(ws, local):
    _, completion_id = stored_completion(local)
    ws.write(header(local) + RESOURCE)
    ws.init()
    local.clear_requests()
    result = ws.run("import", "-no-color", "-input=false", ADDR, completion_id)
    assert "Import successful!" in result.stdout
    # the inputs come from the completion and its messages route; nothing is created
    called = {(r["method"], r["path"]) for r in local.requests()}
    assert called == {
        ("GET", f"/v1/chat/completions/{completion_id}"),
        ("GET", f"/v1/chat/completions/{completion_id}/messages"),
    }
    check_imported_state(ws.resource(ADDR), completion_id)

    local.clear_requests()
    code, result = ws.plan_exit_code()
    assert code == 0, result
    assert "No changes." in result.stdout
    # the plan only re-read the stored completion
    assert {(r["method"], r["path"]) for r in local.requests()} == {
        ("GET", f"/v1/chat/completions/{completion_id}")
    }


@pytest.mark.requires_terraform("1.5", "`import` blocks")
def test_import_block_generates_config_that_plans_no_change(ws, local):
    _, completion_id = stored_completion(local)
    ws.write(header(local) + f'import {{\n  to = {ADDR}\n  id = "{completion_id}"\n}}\n')
    ws.init()
    plan = ws.plan("-generate-config-out=generated.tf")
    assert "Plan: 1 to import, 0 to add, 0 to change, 0 to destroy." in plan.stdout
    generated = (ws.path / "generated.tf").read_text()
    assert 'resource "openai_chat_completion" "x"' in generated
    assert "model" in generated and '"gpt-4o"' in generated
    assert "get_weather" in generated
    assert "json_schema" in generated

    ws.apply()
    check_imported_state(ws.resource(ADDR), completion_id)
    code, result = ws.plan_exit_code()
    assert code == 0, result

    # the generated configuration manages the completion: destroy deletes it
    local.clear_requests()
    ws.run("destroy", "-auto-approve", "-no-color", "-input=false")
    assert [(r["method"], r["status"]) for r in local.requests() if r["method"] == "DELETE"] == [
        ("DELETE", 200)
    ]


MINIMAL_RESOURCE = """
resource "openai_chat_completion" "x" {
  model    = "gpt-4o"
  messages = [{ role = "user", content = "hi" }]
}
"""


def test_import_command_of_unknown_id_is_an_error_naming_it(ws, local):
    ws.write(header(local) + MINIMAL_RESOURCE)
    ws.init()
    result = ws.run("import", "-no-color", "-input=false", ADDR, "chatcmpl-doesnotexist", check=False)
    assert result.returncode == 1
    shown = flat(result.output)
    assert "Error: Import Chat Completion Error" in shown
    assert "No stored chat completion with ID 'chatcmpl-doesnotexist'" in shown
    assert ws.run("state", "list", check=False).stdout.strip() == ""


@pytest.mark.requires_terraform("1.5", "`import` blocks")
def test_import_block_of_unknown_id_is_an_error_naming_it(ws, local):
    ws.write(header(local) + f'import {{\n  to = {ADDR}\n  id = "chatcmpl-doesnotexist"\n}}\n' + RESOURCE)
    ws.init()
    code, result = ws.plan_exit_code()
    assert code == 1
    assert "No stored chat completion with ID 'chatcmpl-doesnotexist'" in flat(result.output)


LEGACY_RESOURCE = """
resource "openai_chat_completion" "x" {
  model                 = "gpt-4o"
  store                 = true
  messages              = [{ role = "user", content = "What time is it?", name = "bob" }]
  functions             = [{ name = "get_time", description = "The time", parameters = jsonencode({ type = "object", properties = {} }) }]
  function_call         = "get_time"
  n                     = 2
  logit_bias            = { "50256" = -100 }
  user                  = "user-1"
  max_completion_tokens = 20
  logprobs              = true
  top_logprobs          = 2
  reasoning_effort      = "low"
  service_tier          = "flex"
}
"""


def test_reimport_of_completion_with_legacy_functions_and_other_settings_plans_no_change(ws, local):
    ws.write(header(local) + LEGACY_RESOURCE)
    ws.init()
    ws.apply()
    created = ws.resource(ADDR)
    ws.run("state", "rm", ADDR)
    ws.run("import", "-no-color", "-input=false", ADDR, created["id"])
    imported = ws.resource(ADDR)
    for name in (
        "functions",
        "function_call",
        "n",
        "logit_bias",
        "user",
        "max_completion_tokens",
        "logprobs",
        "top_logprobs",
        "reasoning_effort",
        "service_tier",
        "messages",
        "choices",
    ):
        assert imported[name] == created[name], name
    code, result = ws.plan_exit_code()
    assert code == 0, result


# JSON schemas written as `jsonencode` writes them (keys sorted, no whitespace) and as a heredoc
# (keys in another order, indented), while the API keeps them in the order they were sent.
REORDERED_RESOURCE = """
resource "openai_chat_completion" "x" {
  model    = "gpt-4o"
  store    = true
  messages = [{ role = "user", content = "Weather in Paris?" }]
  tools = [{
    type = "function"
    function = {
      name       = "get_weather"
      parameters = jsonencode({ type = "object", required = ["city"], properties = { city = { type = "string", enum = ["Paris", "Rome"] } } })
    }
  }]
  functions = [{
    name       = "get_time"
    parameters = <<-EOT
      {
        "type": "object",
        "properties": { "tz": { "type": "string" } }
      }
    EOT
  }]
  response_format = {
    type = "json_schema"
    json_schema = {
      name   = "weather"
      schema = jsonencode({ type = "object", additionalProperties = false, properties = { summary = { type = "string" } } })
    }
  }
}
"""


@pytest.mark.requires_terraform(
    "1.1", "optional fields inside `response_format.json_schema`; 1.0 gets object-typed attributes"
)
def test_import_of_json_schemas_in_another_key_order_plans_no_change(ws, local):
    client = OpenAI(base_url=local.base_url, api_key="sk-local-test", max_retries=0)
    completion = client.chat.completions.create(
        model="gpt-4o",
        store=True,
        messages=[{"role": "user", "content": "Weather in Paris?"}],
        tools=[
            {
                "type": "function",
                "function": {
                    "name": "get_weather",
                    # not jsonencode's order (keys sorted): type, properties, then required
                    "parameters": {
                        "type": "object",
                        "properties": {"city": {"type": "string", "enum": ["Paris", "Rome"]}},
                        "required": ["city"],
                    },
                },
            }
        ],
        functions=[
            {"name": "get_time", "parameters": {"properties": {"tz": {"type": "string"}}, "type": "object"}}
        ],
        response_format={
            "type": "json_schema",
            "json_schema": {
                "name": "weather",
                "schema": {
                    "type": "object",
                    "properties": {"summary": {"type": "string"}},
                    "additionalProperties": False,
                },
            },
        },
    )
    ws.write(header(local) + REORDERED_RESOURCE)
    ws.init()
    ws.run("import", "-no-color", "-input=false", ADDR, completion.id)
    imported = ws.resource(ADDR)
    # the state holds the API's text, which is not the configuration's
    assert imported["tools"][0]["function"]["parameters"].startswith('{"type":"object","properties"')
    assert imported["response_format"]["json_schema"]["schema"].startswith('{"type":"object","properties"')

    code, result = ws.plan_exit_code()
    assert code == 0, result
    assert "No changes." in result.stdout

    # a schema that means something else is another completion
    ws.write(header(local) + REORDERED_RESOURCE.replace('"Rome"', '"Oslo"'))
    code, result = ws.plan_exit_code()
    assert code == 2, result
    assert (
        "# forces replacement" in result.stdout
        and "Plan: 1 to add, 0 to change, 1 to destroy." in result.stdout
    )
