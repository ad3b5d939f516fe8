"""Plan-time validation: every rule the API states fails `terraform plan` with a diagnostic that names
the attribute (and the element index for messages), and nothing reaches the API.

All bad resources live in ONE configuration planned once per module (a plan per case would take
minutes); each case is still its own test that finds its diagnostic, attributed to
`openai_chat_completion.<case>`, in that plan's output."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest

from tests.support.localserver import LocalServer
from tests.support.terraform import Result, TerraformHome, Workspace, provider_block, required_providers

MODEL = 'model = "gpt-4o"'
USER = 'messages = [{ role = "user", content = "hi" }]'
OBJECT = 'jsonencode({ type = "object", properties = {} })'
FN = "parameters = " + OBJECT


# Objects inside objects (`tools[*].function`, `response_format.json_schema`) list every field, `null`
# for those left out: Terraform 1.0 gets the nested attributes as object-typed attributes and refuses
# an object missing a field before the provider sees it (README, "Supported Terraform versions").
def _every_field(names: tuple[str, ...], given: dict[str, str]) -> str:
    return "{ " + ", ".join(f"{name} = {given.get(name, 'null')}" for name in names) + " }"


def function(**given: str) -> str:
    """A tool's `function` object in HCL; `given` holds HCL expressions (`name='"f"'`)."""
    return _every_field(("name", "description", "parameters", "strict"), given)


def json_schema(**given: str) -> str:
    """`response_format.json_schema` in HCL; `given` holds HCL expressions."""
    return _every_field(("name", "description", "schema", "strict"), given)


TOOL = 'tools = [{ type = "function", function = ' + function(name='"lookup"', parameters=OBJECT) + " }]"


def body(*lines: str, model: bool = True, messages: bool = True) -> str:
    parts = ([MODEL] if model else []) + ([USER] if messages else []) + list(lines)
    return "\n".join(parts)


# (case, resource body, text the diagnostic must contain)
CASES: list[tuple[str, str, str]] = [
    (
        "temperature_above_2",
        body("temperature = 2.5"),
        "temperature must be a number between 0 and 2, got 2.5",
    ),
    (
        "temperature_negative",
        body("temperature = -0.1"),
        "temperature must be a number between 0 and 2, got -0.1",
    ),
    ("top_p_above_1", body("top_p = 1.5"), "top_p must be a number between 0 and 1, got 1.5"),
    ("n_zero", body("n = 0"), "n must be a whole number between 1 and 128, got 0"),
    ("n_above_128", body("n = 129"), "n must be a whole number between 1 and 128, got 129"),
    ("n_fraction", body("n = 1.5"), "n must be a whole number, got 1.5"),
    (
        "presence_penalty_below_minus_2",
        body("presence_penalty = -2.5"),
        "presence_penalty must be a number between -2 and 2",
    ),
    (
        "frequency_penalty_above_2",
        body("frequency_penalty = 2.1"),
        "frequency_penalty must be a number between -2 and 2",
    ),
    (
        "top_logprobs_above_20",
        body("logprobs = true", "top_logprobs = 21"),
        "top_logprobs must be a whole number between 0 and 20, got 21",
    ),
    ("top_logprobs_without_logprobs", body("top_logprobs = 2"), "top_logprobs requires `logprobs = true`"),
    (
        "stop_more_than_4",
        body('stop = ["a", "b", "c", "d", "e"]'),
        "stop may hold at most 4 sequences, got 5",
    ),
    ("stop_empty_string", body('stop = ["ok", ""]'), "stop[1] must not be an empty string"),
    ("stop_empty_list", body("stop = []"), "stop must hold 1 to 4 sequences when set"),
    (
        "metadata_17_keys",
        body('metadata = { for i in range(17) : "k${i}" => "v" }'),
        "metadata may hold at most 16 key-value pairs, got 17",
    ),
    (
        "metadata_65_char_key",
        body(f'metadata = {{ "{"k" * 65}" = "v" }}'),
        "metadata keys may be at most 64 characters",
    ),
    (
        "metadata_513_char_value",
        body(f'metadata = {{ note = "{"v" * 513}" }}'),
        "metadata[note] values may be at most 512 characters; the value of 'note' has 513",
    ),
    (
        "message_role_unknown",
        body(
            'messages = [{ role = "user", content = "hi" }, { role = "robot", content = "beep" }]',
            messages=False,
        ),
        "messages[1].role must be one of 'system', 'developer', 'user', 'assistant', 'function', 'tool'; got 'robot'",
    ),
    (
        "function_message_without_name",
        body(
            'messages = [{ role = "user", content = "hi" }, { role = "function", content = "42" }]',
            messages=False,
        ),
        "messages[1].name is required for a message with role 'function'",
    ),
    (
        "function_message_bad_name",
        body('messages = [{ role = "function", name = "get time", content = "42" }]', messages=False),
        "messages[0].name must be a function name of 1 to 64 letters",
    ),
    (
        "tool_message_without_tool_call_id",
        body(
            'messages = [{ role = "user", content = "hi" }, { role = "tool", content = "42" }]',
            messages=False,
        ),
        "messages[1].tool_call_id is required for a message with role 'tool'",
    ),
    (
        "tool_call_id_on_user_message",
        body('messages = [{ role = "user", content = "hi", tool_call_id = "call_1" }]', messages=False),
        "messages[0].tool_call_id is only allowed on messages with role 'tool', not 'user'",
    ),
    (
        "tool_calls_on_user_message",
        body(
            'messages = [{ role = "user", content = "hi", tool_calls = [{ id = "c1", type = "function", '
            'function = { name = "f", arguments = "{}" } }] }]',
            messages=False,
        ),
        "messages[0].tool_calls is only allowed on messages with role 'assistant', not 'user'",
    ),
    (
        "function_call_on_user_message",
        body(
            'messages = [{ role = "user", content = "hi", function_call = { name = "f", arguments = "{}" } }]',
            messages=False,
        ),
        "messages[0].function_call is only allowed on messages with role 'assistant', not 'user'",
    ),
    (
        "user_message_without_content",
        body('messages = [{ role = "system", content = "be kind" }, { role = "user" }]', messages=False),
        "messages[1].content is required for a message with role 'user'",
    ),
    (
        "assistant_message_without_content_or_calls",
        body('messages = [{ role = "user", content = "hi" }, { role = "assistant" }]', messages=False),
        "messages[1].content is required for an assistant message without tool_calls or function_call",
    ),
    (
        "tool_call_without_arguments",
        body(
            'messages = [{ role = "user", content = "hi" }, { role = "assistant", tool_calls = '
            '[{ id = "c1", type = "function", function = { name = "f", arguments = null } }] }]',
            messages=False,
        ),
        "messages[1].tool_calls[0].function.arguments is required",
    ),
    (
        "tool_call_without_id",
        body(
            'messages = [{ role = "user", content = "hi" }, { role = "assistant", tool_calls = '
            '[{ id = null, type = null, function = { name = "f", arguments = "{}" } }] }]',
            messages=False,
        ),
        "messages[1].tool_calls[0].id is required",
    ),
    (
        "function_call_message_without_arguments",
        body(
            'messages = [{ role = "user", content = "hi" }, { role = "assistant", function_call = { name = "f", arguments = null } }]',
            messages=False,
        ),
        "messages[1].function_call.arguments is required",
    ),
    (
        "function_name_pattern",
        body(f'functions = [{{ name = "get weather", {FN} }}]'),
        "functions[0].name must be a function name of 1 to 64 letters, digits, underscores or dashes",
    ),
    (
        "function_parameters_not_json",
        body('functions = [{ name = "f", parameters = "{not json" }]'),
        "functions[0].parameters must be a JSON object (use jsonencode({...})); it is not valid JSON",
    ),
    (
        "function_parameters_not_an_object",
        body('functions = [{ name = "f", parameters = jsonencode(["a", "b"]) }]'),
        "functions[0].parameters must be a JSON object (a JSON Schema), got a JSON array",
    ),
    (
        "function_names_duplicate",
        body(f'functions = [{{ name = "f", {FN} }}, {{ name = "f" }}]'),
        "functions[1].name must be unique; 'f' appears twice",
    ),
    ("functions_empty", body("functions = []"), "functions must contain at least one function when set"),
    (
        "function_call_without_functions",
        body('function_call = "auto"'),
        "function_call is only allowed when `functions` is set",
    ),
    (
        "function_call_unknown_function",
        body('functions = [{ name = "f" }, { name = "g" }]', 'function_call = "h"'),
        "function_call names 'h', which is not one of `functions` (f, g)",
    ),
    (
        "tool_type_not_function",
        body('tools = [{ type = "retrieval", function = ' + function(name='"f"') + " }]"),
        "tools[0].type must be one of 'function'; got 'retrieval'",
    ),
    (
        "tool_parameters_not_an_object",
        body("tools = [{ function = " + function(name='"f"', parameters='"42"') + " }]"),
        "tools[0].function.parameters must be a JSON object (a JSON Schema), got a JSON number",
    ),
    (
        "tool_names_duplicate",
        body(
            "tools = [{ function = "
            + function(name='"f"')
            + " }, { function = "
            + function(name='"f"')
            + " }]"
        ),
        "tools[1].function.name must be unique; 'f' appears twice",
    ),
    ("tools_empty", body("tools = []"), "tools must contain at least one tool when set"),
    (
        "tool_choice_unknown_tool",
        body(TOOL, 'tool_choice = "search"'),
        "tool_choice names 'search', which is not a function in `tools` (lookup)",
    ),
    (
        "tool_choice_without_tools",
        body('tool_choice = "required"'),
        "tool_choice is only allowed when `tools` is set",
    ),
    (
        "parallel_tool_calls_without_tools",
        body("parallel_tool_calls = true"),
        "parallel_tool_calls is only allowed when `tools` is set",
    ),
    (
        "response_format_type",
        body('response_format = { type = "xml" }'),
        "response_format.type must be one of 'text', 'json_object', 'json_schema'; got 'xml'",
    ),
    (
        "response_format_json_schema_missing",
        body('response_format = { type = "json_schema" }'),
        "response_format.json_schema is required when response_format.type is 'json_schema'",
    ),
    (
        "response_format_json_schema_on_json_object",
        body('response_format = { type = "json_object", json_schema = ' + json_schema(name='"x"') + " }"),
        "response_format.json_schema is only allowed when response_format.type is 'json_schema', not 'json_object'",
    ),
    (
        "response_format_schema_name",
        body(
            'response_format = { type = "json_schema", json_schema = '
            + json_schema(name='"my schema"', schema='"{}"')
            + " }"
        ),
        "response_format.json_schema.name must be a schema name of 1 to 64",
    ),
    (
        "response_format_schema_not_json",
        body(
            'response_format = { type = "json_schema", json_schema = '
            + json_schema(name='"x"', schema='"{\\"type\\":"')
            + " }"
        ),
        "response_format.json_schema.schema must be a JSON object (use jsonencode({...})); it is not valid JSON",
    ),
    (
        "logit_bias_out_of_range",
        body('logit_bias = { "50256" = 101 }'),
        "logit_bias[50256] must be a whole number between -100 and 100, got 101",
    ),
    (
        "logit_bias_fraction",
        body('logit_bias = { "50256" = 0.5 }'),
        "logit_bias[50256] must be a whole number, got 0.5",
    ),
    (
        "logit_bias_key_not_a_token_id",
        body('logit_bias = { "hello" = 5 }'),
        "logit_bias[hello] keys must be token IDs (whole numbers as strings); got 'hello'",
    ),
    (
        "logit_bias_key_unicode_digits",
        body('logit_bias = { "\u0663\u0664" = 5 }'),
        "logit_bias[\u0663\u0664] keys must be token IDs (whole numbers as strings)",
    ),
    (
        "reasoning_effort_unknown",
        body('reasoning_effort = "extreme"'),
        "reasoning_effort must be one of 'none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'; got 'extreme'",
    ),
    (
        "service_tier_unknown",
        body('service_tier = "gold"'),
        "service_tier must be one of 'auto', 'default', 'flex'",
    ),
    ("max_tokens_zero", body("max_tokens = 0"), "max_tokens must be at least 1, got 0"),
    (
        "max_completion_tokens_zero",
        body("max_completion_tokens = 0"),
        "max_completion_tokens must be at least 1, got 0",
    ),
    ("seed_fraction", body("seed = 1.5"), "seed must be a whole number, got 1.5"),
    ("seed_beyond_int64", body("seed = 9223372036854775808"), "seed must be a whole number between"),
    ("model_empty", body('model = ""', model=False), "model must not be empty"),
    ("messages_empty", body("messages = []", messages=False), "messages must contain at least one message"),
    # ---- hostile inputs: control, invisible and bidi characters, surrounding whitespace, huge numbers
    (
        "model_trailing_newline",
        body('model = "gpt-4o\\n"', model=False),
        "model must not contain control characters or invisible (zero-width, bidirectional) characters; "
        "found U+000A (LINE FEED) at position 6",
    ),
    (
        "model_surrounding_space",
        body('model = " gpt-4o"', model=False),
        "model must not start or end with whitespace; got ' gpt-4o'",
    ),
    (
        "model_bidi_override",
        body('model = "gpt\\u202e-4o"', model=False),
        "model must not contain control characters or invisible (zero-width, bidirectional) characters; "
        "found U+202E (RIGHT-TO-LEFT OVERRIDE) at position 3 in 'gpt\\u202e-4o'",
    ),
    (
        "message_name_zero_width_space",
        body('messages = [{ role = "user", content = "hi", name = "ann\\u200b" }]', messages=False),
        "messages[0].name must not contain control characters or invisible",
    ),
    (
        "message_name_trailing_space",
        body('messages = [{ role = "user", content = "hi", name = "ann " }]', messages=False),
        "messages[0].name must not start or end with whitespace",
    ),
    (
        "function_name_trailing_newline",
        body(f'functions = [{{ name = "get_weather\\n", {FN} }}]'),
        "functions[0].name must not contain control characters",
    ),
    (
        "tool_name_byte_order_mark",
        body("tools = [{ function = " + function(name='"\\ufefflookup"') + " }]"),
        "tools[0].function.name must not contain control characters or invisible (zero-width, "
        "bidirectional) characters; found U+FEFF (ZERO WIDTH NO-BREAK SPACE) at position 0",
    ),
    (
        "json_schema_name_tab",
        body(
            'response_format = { type = "json_schema", json_schema = '
            + json_schema(name='"x\\t"', schema='"{}"')
            + " }"
        ),
        "response_format.json_schema.name must not contain control characters",
    ),
    (
        "tool_call_id_with_newline",
        body(
            'messages = [{ role = "user", content = "hi" }, { role = "tool", content = "42", tool_call_id = "call_1\\n" }]',
            messages=False,
        ),
        "messages[1].tool_call_id must not contain control characters",
    ),
    (
        "user_line_break",
        body('user = "u1\\r\\nX-Evil: 1"'),
        "user must not contain control characters; found U+000D",
    ),
    ("metadata_empty_key", body('metadata = { "" = "v" }'), "metadata keys must not be empty"),
    (
        "metadata_key_bidi",
        body('metadata = { "team\\u202e" = "v" }'),
        "metadata keys must not contain control characters or invisible",
    ),
    (
        "metadata_key_surrounding_space",
        body('metadata = { "team " = "v" }'),
        "metadata keys must not start or end with whitespace",
    ),
    (
        "metadata_reserved_create_marker",
        body('metadata = { terraform_create_marker = "mine" }'),
        "metadata[terraform_create_marker] is reserved: the provider sets 'terraform_create_marker' on stored "
        "completions",
    ),
    (
        "metadata_16_keys_with_store",
        body("store = true", 'metadata = { for i in range(16) : "k${i}" => "v" }'),
        "metadata may hold at most 15 key-value pairs with `store = true` (the API allows 16; the provider "
        "adds 'terraform_create_marker' to make the create exactly-once), got 16",
    ),
    (
        "logit_bias_key_trailing_newline",
        body('logit_bias = { "50256\\n" = 5 }'),
        "logit_bias[50256\\n] keys must be token IDs",
    ),
    (
        "max_tokens_1e300",
        body("max_tokens = 1e300"),
        "max_tokens must be at most 9223372036854775807 (the largest integer the API takes), got 1e+300",
    ),
    (
        "max_completion_tokens_beyond_int64",
        body("max_completion_tokens = 9223372036854775808"),
        "max_completion_tokens must be at most 9223372036854775807",
    ),
    ("seed_1e300", body("seed = -1e300"), "seed must be a whole number between -9223372036854775808"),
    (
        "top_logprobs_huge",
        body("logprobs = true", "top_logprobs = 1e300"),
        "top_logprobs must be a whole number between 0 and 20, got 1e+300",
    ),
]

# Values every rule accepts (some at the edge of a range): no diagnostic may name these resources.
VALID = {
    "edges": body(
        "temperature = 2",
        "top_p = 0",
        "n = 128",
        "presence_penalty = -2",
        "frequency_penalty = 2",
        "logprobs = true",
        "top_logprobs = 20",
        'stop = ["a", "b", "c", "d"]',
        'metadata = { for i in range(16) : "k${i}" => "v" }',
        'logit_bias = { "50256" = -100, "1" = 100 }',
        "seed = -9223372036854775808",
        "max_tokens = 1",
        "max_completion_tokens = 9223372036854775807",
    ),
    "stored_15_keys_and_free_user": body(
        "store = true",
        'metadata = { for i in range(15) : "k${i}" => "v" }',
        'user = "\\u05d0\\u05d1\\u200f with spaces "',
        'messages = [{ role = "user", content = "tab\\tand\\nnewline are content", name = "ann" }]',
        messages=False,
    ),
    "newest_enum_values": body('reasoning_effort = "max"', 'service_tier = "fast"'),
    "tool_choice_none_without_tools": body('tool_choice = "none"'),
}


def test_cases_are_named_uniquely() -> None:
    names = [c[0] for c in CASES]
    assert len(names) == len(set(names)) >= 30


@dataclass
class Planned:
    result: Result
    blocks: list[str]
    requests: list[dict]


def _blocks(stderr: str) -> list[str]:
    """Each diagnostic of a plan's output as one line of single-spaced text."""
    return [" ".join(("Error: " + chunk).split()) for chunk in re.split(r"^Error: ", stderr, flags=re.M)[1:]]


@pytest.fixture(scope="module")
def planned(tf_home: TerraformHome, server: LocalServer, tmp_path_factory: pytest.TempPathFactory) -> Planned:
    server.reset()
    ws = tf_home.workspace(tmp_path_factory.mktemp("validation"))
    resources = [f'resource "openai_chat_completion" "{name}" {{\n{text}\n}}\n' for name, text, _ in CASES]
    resources += [
        f'resource "openai_chat_completion" "{name}" {{\n{text}\n}}\n' for name, text in VALID.items()
    ]
    ws.write(required_providers() + provider_block(server.base_url) + "\n".join(resources))
    ws.init()
    result = ws.plan(check=False)
    return Planned(result, _blocks(result.stderr), server.requests())


@pytest.mark.parametrize(("case", "expected"), [(c[0], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_fails_plan_naming_the_attribute(planned: Planned, case: str, expected: str) -> None:
    assert planned.result.returncode == 1, planned.result
    mine = [b for b in planned.blocks if f"with openai_chat_completion.{case}," in b]
    assert mine, f"no diagnostic for openai_chat_completion.{case}:\n{planned.result.stderr}"
    assert any(expected in b for b in mine), f"{expected!r} not in:\n" + "\n".join(mine)
    # the summary names the attribute too (Terraform points list elements at the whole list)
    attribute = expected.split(" ")[0]
    ours = [b for b in mine if b.startswith(f"Error: Invalid {attribute} ") and expected in b]
    assert ours, mine
    # and the source shown is the attribute's line, not the resource's first line
    top = re.match(r"\w+", attribute).group(0)
    assert re.search(rf"\d+: {top} =", ours[0]), ours[0]
    assert planned.requests == []


def test_valid_values_at_the_edges_are_accepted(planned: Planned) -> None:
    for name in VALID:
        assert not [b for b in planned.blocks if f"with openai_chat_completion.{name}," in b], name
    # every diagnostic belongs to one of the bad cases: none is unattributed
    names = {c[0] for c in CASES}
    for block in planned.blocks:
        match = re.search(r"with openai_chat_completion\.(\w+),", block)
        assert match and match.group(1) in names, block


@pytest.mark.requires_terraform("1.4", "the `terraform_data` resource")
def test_values_unknown_at_plan_time_are_not_rejected(ws: Workspace, local: LocalServer) -> None:
    ws.write(
        required_providers()
        + provider_block(local.base_url)
        + """
resource "openai_chat_completion" "first" {
  model    = "gpt-4o"
  messages = [{ role = "user", content = "first" }]
}

resource "terraform_data" "later" {
  input = "lookup"
}

resource "openai_chat_completion" "second" {
  model       = openai_chat_completion.first.response_model
  seed        = openai_chat_completion.first.usage.total_tokens
  temperature = openai_chat_completion.first.usage.completion_tokens / 10
  messages = [
    { role = "user", content = openai_chat_completion.first.content },
    { role = openai_chat_completion.first.message.role, content = "ok" },
    { role = "user", content = "and?" },
  ]
  stop     = [openai_chat_completion.first.id]
  metadata = { first = openai_chat_completion.first.id }
  tools = [{ type = "function", function = { name = terraform_data.later.output, parameters = jsonencode({ type = "object" }) } }]
  tool_choice = terraform_data.later.output
  response_format = { type = "json_schema", json_schema = { name = "x", schema = jsonencode({ type = "object", title = openai_chat_completion.first.id }) } }
}
"""
    )
    ws.init()
    plan = ws.plan_json()
    actions = {c["address"]: c["change"]["actions"] for c in plan["resource_changes"]}
    assert actions["openai_chat_completion.second"] == ["create"]
    assert local.requests() == []
    ws.apply()
    second = ws.resource("openai_chat_completion.second")
    assert second["messages"][0]["content"] == "Local reply to: first"
    assert second["tool_choice"] == "lookup"
    assert len(local.requests()) == 2


def test_a_bad_value_known_only_at_apply_is_rejected_before_any_request(
    ws: Workspace, local: LocalServer
) -> None:
    ws.write(
        required_providers()
        + provider_block(local.base_url)
        + """
resource "openai_chat_completion" "first" {
  model    = "gpt-4o"
  messages = [{ role = "user", content = "one two three four five six seven" }]
}

resource "openai_chat_completion" "second" {
  model       = "gpt-4o"
  messages    = [{ role = "user", content = "second" }]
  temperature = openai_chat_completion.first.usage.total_tokens
}
"""
    )
    ws.init()
    result = ws.apply(check=False)
    assert result.returncode == 1, result
    assert "Invalid temperature" in result.stderr
    assert "temperature must be a number between 0 and 2" in " ".join(result.stderr.split())
    creates = [r for r in local.requests() if r["method"] == "POST"]
    assert [r["body"]["messages"][0]["content"] for r in creates] == ["one two three four five six seven"]
    assert [r["address"] for r in ws.state()["values"]["root_module"]["resources"]] == [
        "openai_chat_completion.first"
    ]


def test_message_content_over_the_api_string_limit_fails_plan_naming_it(
    ws: Workspace, local: LocalServer
) -> None:
    """10,485,761 characters (`format("%10485761s", "x")`, built by Terraform, not written out): the
    API would answer "string too long"; the plan says so first, naming the message."""
    ws.write(
        required_providers()
        + provider_block(local.base_url)
        + """
resource "openai_chat_completion" "huge" {
  model    = "gpt-4o"
  messages = [{ role = "user", content = "hi" }, { role = "user", content = format("%10485761s", "x") }]
}
"""
    )
    ws.init()
    code, result = ws.plan_exit_code()
    assert code == 1, result
    text = " ".join(result.stderr.split())
    assert "ResourceExhausted" not in text  # the 10 MiB config reaches the provider (256 MiB limits)
    assert (
        "Error: Invalid messages[1].content with openai_chat_completion.huge" in text
        and "messages[1].content is 10485761 characters long; the API takes strings of at most 10485760 "
        "characters."
        in text
    ), text[:3000]
    assert local.requests() == []


def test_hand_edited_state_of_the_wrong_shape_is_named_not_a_crash(ws: Workspace, local: LocalServer) -> None:
    ws.write(
        required_providers()
        + provider_block(local.base_url)
        + 'resource "openai_chat_completion" "edited" {\n  model = "gpt-4o"\n'
        + '  messages = [{ role = "user", content = "hi" }]\n}\n'
    )
    ws.init()
    ws.apply()
    path = ws.path / "terraform.tfstate"
    state = json.loads(path.read_text())
    attributes = state["resources"][0]["instances"][0]["attributes"]
    attributes["messages"] = "hello"
    attributes["choices"] = 3
    del attributes["model"]
    path.write_text(json.dumps(state))
    local.clear_requests()

    code, result = ws.plan_exit_code()
    assert code == 1, result
    text = " ".join(result.stderr.split())
    assert "Error: Invalid State for openai_chat_completion" in text, text
    assert "Unexpected Provider Error" not in text
    for problem in (
        "- model: missing, but it is required",
        "- messages: expected a list, found a string ('hello')",
        "- choices: expected a list, found a number (3)",
    ):
        assert problem in text, text
    assert "terraform state rm" in text
    assert local.requests() == []
