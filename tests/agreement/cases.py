"""The shared agreement cases: chat completion requests, valid and not, each with its expected
verdict, run through the provider (plan), the local server (wire) and the module (plan) by
`test_agreement.py`, which fails on any disagreement.

A case is Terraform inputs over :data:`BASE` (the attributes of `openai_chat_completion`, which the
module's variables mirror) and the attribute the provider must name (``None``: valid). The server
gets the body the provider would send (``request.build_request``, plus the create marker with
`store`); the module gets the same inputs as variables, and is expected to name the top-level
variable, through its own validations (not the provider inside it). Adding a rule to
``rules.py`` means adding its cases here (``test_every_rule_has_a_case`` checks).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from terraform_provider_openai.resources.chat_completion import INPUTS

BASE: dict[str, Any] = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
#: The module's variables (what a case may set and still run through the module): every input of the
#: resource, as tests/module's parity test holds the module to.
MODULE_INPUTS = frozenset(INPUTS)

OBJ = json.dumps({"type": "object", "properties": {}})
HI = {"role": "user", "content": "hi"}


def fn(name: str, **more: Any) -> dict[str, Any]:
    return {"name": name, "parameters": OBJ, **more}


def tool(name: str, **more: Any) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name, "parameters": OBJ, **more}}


def call(name: str = "lookup", arguments: Any = "{}", id: Any = "call_1") -> dict[str, Any]:
    return {"id": id, "type": "function", "function": {"name": name, "arguments": arguments}}


def pairs(count: int) -> dict[str, str]:
    return {f"k{i}": "v" for i in range(count)}


@dataclass(frozen=True)
class Case:
    name: str
    inputs: dict[str, Any]
    #: the attribute the provider names, as in its diagnostic's summary; None: a valid request
    attribute: str | None
    #: False for rules of Terraform inputs only (``scope="terraform"`` in rules.py): the wire cannot
    #: show them, so the server is not asked
    wire: bool = True
    why: str = ""
    config: dict[str, Any] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "config", {**BASE, **self.inputs})

    @property
    def module(self) -> bool:
        """Whether the module has every input of the case."""
        return set(self.config) <= MODULE_INPUTS

    @property
    def variable(self) -> str | None:
        """The module variable the module must name: the attribute's top level."""
        if self.attribute is None:
            return None
        return self.attribute.split(".")[0].split("[")[0]


def _messages(*messages: dict[str, Any]) -> dict[str, Any]:
    return {"messages": list(messages)}


VALID: list[Case] = [
    Case("valid_minimal", {}, None),
    Case(
        "valid_edges",
        {
            "temperature": 2,
            "top_p": 0,
            "n": 128,
            "presence_penalty": -2,
            "frequency_penalty": 2,
            "stop": ["a", "b", "c", "d"],
            "metadata": pairs(16),
            "seed": -(2**63),
            "max_tokens": 1,
        },
        None,
    ),
    Case("valid_largest_integers", {"max_tokens": 2**63 - 1, "seed": 2**63 - 1}, None),
    Case(
        "valid_function_message_without_content",
        {
            **_messages(
                HI,
                {"role": "assistant", "function_call": {"name": "get_time", "arguments": "{}"}},
                {"role": "function", "name": "get_time"},
            ),
            "functions": [fn("get_time")],
        },
        None,
        why="the spec: a function message's content is required but may be null (the module refused it)",
    ),
    Case(
        "valid_function_call_none_without_functions",
        {"function_call": "none"},
        None,
        why="'none' needs no functions (the provider and the module refused it)",
    ),
    Case("valid_tool_choice_none_without_tools", {"tool_choice": "none"}, None),
    Case("valid_functions_and_function_call", {"functions": [fn("f"), fn("g")], "function_call": "g"}, None),
    Case(
        "valid_tools_and_tool_choice",
        {"tools": [tool("lookup", description="Looks up", strict=True)], "tool_choice": "lookup"},
        None,
    ),
    Case(
        "valid_tool_conversation",
        {
            **_messages(
                HI,
                {"role": "assistant", "tool_calls": [call()]},
                {"role": "tool", "tool_call_id": "call_1", "content": "42"},
            ),
            "tools": [tool("lookup")],
        },
        None,
    ),
    Case(
        "valid_json_schema",
        {
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "out", "schema": OBJ, "strict": True},
            }
        },
        None,
    ),
    Case("valid_json_object", {"response_format": {"type": "json_object"}}, None),
    Case("valid_stored_15_pairs", {"store": True, "metadata": pairs(15)}, None),
    Case(
        "valid_free_user_text",
        {"user": "ann@example.com \u05d0\u05d1\u200f with spaces "},
        None,
        why="user is free text: any script, bidi marks, spaces",
    ),
    Case("valid_empty_user", {"user": ""}, None, why="the API takes an empty user (the module refused it)"),
    Case(
        "valid_names_and_text",
        _messages(
            {"role": "system", "content": "Be terse.", "name": "rules"},
            {"role": "user", "content": "tab\tand\nnewline are content", "name": "ann"},
        ),
        None,
    ),
    Case("valid_single_stop", {"stop": ["\n\n"]}, None),
    Case(
        "valid_logprobs_and_bias",
        {"logprobs": True, "top_logprobs": 20, "logit_bias": {"50256": -100, "1": 100}},
        None,
    ),
    Case(
        "valid_newest_values",
        {"reasoning_effort": "max", "service_tier": "fast", "max_completion_tokens": 5},
        None,
    ),
    Case(
        "valid_parallel_tool_calls",
        {"tools": [tool("lookup")], "parallel_tool_calls": False},
        None,
    ),
]

INVALID: list[Case] = [
    # ---- sampling ranges (spec)
    Case("temperature_above_2", {"temperature": 2.5}, "temperature"),
    Case("temperature_negative", {"temperature": -0.1}, "temperature"),
    Case("top_p_above_1", {"top_p": 1.5}, "top_p"),
    Case("n_zero", {"n": 0}, "n"),
    Case("n_above_128", {"n": 129}, "n"),
    Case("n_fraction", {"n": 1.5}, "n"),
    Case("presence_penalty_below_minus_2", {"presence_penalty": -2.5}, "presence_penalty"),
    Case("frequency_penalty_above_2", {"frequency_penalty": 2.1}, "frequency_penalty"),
    Case("max_tokens_zero", {"max_tokens": 0}, "max_tokens"),
    Case("max_tokens_fraction", {"max_tokens": 1.5}, "max_tokens"),
    Case("max_tokens_beyond_int64", {"max_tokens": 2**63}, "max_tokens"),
    Case("max_completion_tokens_zero", {"max_completion_tokens": 0}, "max_completion_tokens"),
    Case("seed_fraction", {"seed": 1.5}, "seed"),
    Case("seed_beyond_int64", {"seed": 2**63}, "seed"),
    Case("top_logprobs_above_20", {"logprobs": True, "top_logprobs": 21}, "top_logprobs"),
    Case("top_logprobs_without_logprobs", {"top_logprobs": 2}, "top_logprobs"),
    Case("reasoning_effort_unknown", {"reasoning_effort": "extreme"}, "reasoning_effort"),
    Case("service_tier_unknown", {"service_tier": "gold"}, "service_tier"),
    # ---- stop and logit_bias
    Case("stop_five_sequences", {"stop": ["a", "b", "c", "d", "e"]}, "stop"),
    Case("stop_empty_list", {"stop": []}, "stop", why="the spec: 1 to 4 (the module took [])"),
    Case("stop_empty_sequence", {"stop": ["ok", ""]}, "stop[1]", why="the server took it"),
    Case("logit_bias_above_100", {"logit_bias": {"50256": 101}}, "logit_bias[50256]"),
    Case("logit_bias_fraction", {"logit_bias": {"50256": 0.5}}, "logit_bias[50256]"),
    Case("logit_bias_key_not_a_token_id", {"logit_bias": {"hello": 5}}, "logit_bias[hello]"),
    Case("logit_bias_key_negative", {"logit_bias": {"-1": 5}}, "logit_bias[-1]", why="the server took it"),
    # ---- model
    Case("model_empty", {"model": ""}, "model", why="the server took it"),
    Case("model_surrounding_space", {"model": " gpt-4o"}, "model", why="the server and the module took it"),
    Case("model_line_feed", {"model": "gpt-4o\n"}, "model"),
    Case("model_bidi_override", {"model": "gpt\u202e-4o"}, "model"),
    # ---- messages
    Case("messages_empty", {"messages": []}, "messages", why="the module created nothing instead"),
    Case("message_role_unknown", _messages(HI, {"role": "robot", "content": "beep"}), "messages[1].role"),
    Case("user_message_without_content", _messages({"role": "user"}), "messages[0].content"),
    Case(
        "assistant_message_empty",
        _messages(HI, {"role": "assistant"}),
        "messages[1].content",
        why="API reference: required unless tool_calls or function_call (the server took it)",
    ),
    Case(
        "tool_message_without_tool_call_id",
        _messages(HI, {"role": "tool", "content": "42"}),
        "messages[1].tool_call_id",
    ),
    Case(
        "tool_call_id_on_user_message",
        _messages({"role": "user", "content": "hi", "tool_call_id": "call_1"}),
        "messages[0].tool_call_id",
        why="the server took it",
    ),
    Case(
        "tool_calls_on_user_message",
        _messages({"role": "user", "content": "hi", "tool_calls": [call()]}),
        "messages[0].tool_calls",
    ),
    Case(
        "function_call_on_user_message",
        _messages({"role": "user", "content": "hi", "function_call": {"name": "f", "arguments": "{}"}}),
        "messages[0].function_call",
    ),
    Case(
        "function_message_without_name",
        _messages(HI, {"role": "function", "content": "42"}),
        "messages[1].name",
    ),
    Case(
        "function_message_bad_name",
        _messages(HI, {"role": "function", "name": "get time", "content": "42"}),
        "messages[1].name",
    ),
    Case(
        "message_name_trailing_space",
        _messages({"role": "user", "content": "hi", "name": "ann "}),
        "messages[0].name",
    ),
    Case(
        "message_name_zero_width_space",
        _messages({"role": "user", "content": "hi", "name": "ann\u200b"}),
        "messages[0].name",
    ),
    Case(
        "tool_call_without_id",
        _messages(HI, {"role": "assistant", "tool_calls": [call(id=None)]}),
        "messages[1].tool_calls[0].id",
    ),
    Case(
        "tool_call_id_blank",
        _messages(HI, {"role": "assistant", "tool_calls": [call(id=" ")]}),
        "messages[1].tool_calls[0].id",
    ),
    Case(
        "tool_call_without_arguments",
        _messages(HI, {"role": "assistant", "tool_calls": [call(arguments=None)]}),
        "messages[1].tool_calls[0].function.arguments",
    ),
    Case(
        "tool_call_bad_function_name",
        _messages(HI, {"role": "assistant", "tool_calls": [call(name="look up")]}),
        "messages[1].tool_calls[0].function.name",
    ),
    Case(
        "tool_call_type_not_function",
        _messages(HI, {"role": "assistant", "tool_calls": [{**call(), "type": "retrieval"}]}),
        "messages[1].tool_calls[0].type",
    ),
    Case(
        "function_call_message_without_arguments",
        _messages(HI, {"role": "assistant", "function_call": {"name": "f", "arguments": None}}),
        "messages[1].function_call.arguments",
    ),
    Case(
        "function_call_message_without_name",
        _messages(HI, {"role": "assistant", "function_call": {"name": None, "arguments": "{}"}}),
        "messages[1].function_call.name",
    ),
    Case(
        "function_call_message_bad_name",
        _messages(HI, {"role": "assistant", "function_call": {"name": "get weather", "arguments": "{}"}}),
        "messages[1].function_call.name",
    ),
    Case(
        "function_call_message_name_zero_width",
        _messages(HI, {"role": "assistant", "function_call": {"name": "f\u200b", "arguments": "{}"}}),
        "messages[1].function_call.name",
    ),
    Case(
        "tool_call_without_function",
        _messages(HI, {"role": "assistant", "tool_calls": [{"id": "call_1", "function": None}]}),
        "messages[1].tool_calls[0].function",
    ),
    Case(
        "tool_call_without_function_name",
        _messages(HI, {"role": "assistant", "tool_calls": [call(name=None)]}),
        "messages[1].tool_calls[0].function.name",
    ),
    Case(
        "tool_call_function_name_byte_order_mark",
        _messages(HI, {"role": "assistant", "tool_calls": [call(name="\ufefflookup")]}),
        "messages[1].tool_calls[0].function.name",
    ),
    Case(
        "tool_call_id_with_line_feed",
        _messages(HI, {"role": "tool", "content": "42", "tool_call_id": "call_1\n"}),
        "messages[1].tool_call_id",
    ),
    # ---- functions (legacy)
    Case("functions_empty", {"functions": []}, "functions"),
    Case(
        "functions_129",
        {"functions": [{"name": f"f{i}"} for i in range(129)]},
        "functions",
        why="the spec: at most 128 (the provider took 129)",
    ),
    Case("function_name_with_space", {"functions": [fn("get weather")]}, "functions[0].name"),
    Case("function_name_line_feed", {"functions": [fn("get_weather\n")]}, "functions[0].name"),
    Case(
        "function_names_duplicate",
        {"functions": [fn("f"), {"name": "f"}]},
        "functions[1].name",
        why="the server took it",
    ),
    Case(
        "function_parameters_not_json",
        {"functions": [{"name": "f", "parameters": "{not json"}]},
        "functions[0].parameters",
    ),
    Case(
        "function_parameters_an_array",
        {"functions": [{"name": "f", "parameters": json.dumps(["a"])}]},
        "functions[0].parameters",
    ),
    Case(
        "function_parameters_null",
        {"functions": [{"name": "f", "parameters": "null"}]},
        "functions[0].parameters",
    ),
    Case("function_call_without_functions", {"function_call": "auto"}, "function_call"),
    Case(
        "function_call_undeclared",
        {"functions": [{"name": "f"}, {"name": "g"}], "function_call": "h"},
        "function_call",
    ),
    Case("function_call_line_feed", {"functions": [{"name": "f"}], "function_call": "f\n"}, "function_call"),
    Case(
        "function_call_not_a_name",
        {"functions": [{"name": "f"}], "function_call": "always please"},
        "function_call",
    ),
    # ---- tools
    Case("tools_empty", {"tools": []}, "tools", why="the API refuses an empty array (the server took it)"),
    Case(
        "tools_129",
        {"tools": [{"type": "function", "function": {"name": f"f{i}"}} for i in range(129)]},
        "tools",
        why="API reference: at most 128 (the server took 129)",
    ),
    Case(
        "tool_type_not_function",
        {"tools": [{"type": "retrieval", "function": {"name": "f"}}]},
        "tools[0].type",
    ),
    Case("tool_name_with_dot", {"tools": [tool("a.b")]}, "tools[0].function.name"),
    Case("tool_name_byte_order_mark", {"tools": [tool("\ufefflookup")]}, "tools[0].function.name"),
    Case("tool_names_duplicate", {"tools": [tool("f"), tool("f")]}, "tools[1].function.name"),
    Case(
        "tool_parameters_a_number",
        {"tools": [{"type": "function", "function": {"name": "f", "parameters": "42"}}]},
        "tools[0].function.parameters",
    ),
    Case("tool_choice_without_tools", {"tool_choice": "required"}, "tool_choice"),
    Case("tool_choice_undeclared", {"tools": [tool("lookup")], "tool_choice": "search"}, "tool_choice"),
    Case("tool_choice_line_feed", {"tools": [tool("lookup")], "tool_choice": "lookup\n"}, "tool_choice"),
    Case("tool_choice_not_a_name", {"tools": [tool("lookup")], "tool_choice": "look up"}, "tool_choice"),
    Case("parallel_tool_calls_without_tools", {"parallel_tool_calls": True}, "parallel_tool_calls"),
    # ---- response_format
    Case("response_format_type_unknown", {"response_format": {"type": "xml"}}, "response_format.type"),
    Case(
        "response_format_json_schema_missing",
        {"response_format": {"type": "json_schema"}},
        "response_format.json_schema",
    ),
    Case(
        "response_format_json_schema_on_json_object",
        {"response_format": {"type": "json_object", "json_schema": {"name": "x"}}},
        "response_format.json_schema",
        why="the server took it",
    ),
    Case(
        "response_format_schema_name_with_space",
        {"response_format": {"type": "json_schema", "json_schema": {"name": "my schema", "schema": OBJ}}},
        "response_format.json_schema.name",
    ),
    Case(
        "response_format_schema_name_tab",
        {"response_format": {"type": "json_schema", "json_schema": {"name": "x\t", "schema": OBJ}}},
        "response_format.json_schema.name",
    ),
    Case(
        "response_format_schema_not_json",
        {"response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": '{"type":'}}},
        "response_format.json_schema.schema",
    ),
    # ---- user
    Case("user_line_break", {"user": "u1\r\nX-Evil: 1"}, "user", why="the server took it"),
    # ---- metadata
    Case("metadata_17_pairs", {"metadata": pairs(17)}, "metadata"),
    Case("metadata_65_char_key", {"metadata": {"k" * 65: "v"}}, "metadata"),
    Case("metadata_513_char_value", {"metadata": {"note": "v" * 513}}, "metadata[note]"),
    Case("metadata_null_value", {"metadata": {"note": None}}, "metadata[note]"),
    Case("metadata_empty_key", {"metadata": {"": "v"}}, "metadata"),
    Case("metadata_key_bidi", {"metadata": {"team\u202e": "v"}}, "metadata"),
    Case("metadata_key_surrounding_space", {"metadata": {"team ": "v"}}, "metadata"),
    Case(
        "metadata_16_pairs_with_store",
        {"store": True, "metadata": pairs(16)},
        "metadata",
        why="the provider's create marker is the 16th pair: on the wire, 17",
    ),
    Case(
        "metadata_reserved_create_marker",
        {"metadata": {"terraform_create_marker": "mine"}},
        "metadata[terraform_create_marker]",
        wire=False,
        why="the provider sends this key itself: only a Terraform input can be refused for it",
    ),
]

CASES: list[Case] = VALID + INVALID
