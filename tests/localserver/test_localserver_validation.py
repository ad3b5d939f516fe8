"""Create-request validation: status 400, the official error body, and ``param`` naming the field.

Rules marked ``spec`` are ones the spec's CreateChatCompletionRequest schema states; each such bad
request is also checked to be rejected by the spec itself, so the hand-written rules and the spec
agree. The others are the rules stated in prose (or by the real API).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.localserver.conftest import raw_request, spec, user, validator
from tests.support.localserver import LocalServer

BASE: dict[str, Any] = {"model": "gpt-4o-mini", "messages": [user("hi")]}
FN: dict[str, Any] = {"name": "f", "parameters": {"type": "object"}}
TOOL: dict[str, Any] = {"type": "function", "function": FN}

# (case id, fields merged into BASE (None deletes), expected param, rejected by the spec schema too)
BAD: list[tuple[str, dict[str, Any], str | None, bool]] = [
    ("model missing", {"model": None}, "model", True),
    ("model not a string", {"model": 5}, "model", True),
    ("model blank", {"model": " "}, "model", False),
    ("model with a line feed", {"model": "gpt-4o\n"}, "model", False),
    ("messages missing", {"messages": None}, "messages", True),
    ("messages empty", {"messages": []}, "messages", True),
    ("messages not a list", {"messages": "hi"}, "messages", True),
    ("message not an object", {"messages": ["hi"]}, "messages[0]", True),
    ("role missing", {"messages": [user("a"), {"content": "x"}]}, "messages[1].role", True),
    ("role unknown", {"messages": [user("a"), {"role": "robot", "content": "x"}]}, "messages[1].role", True),
    ("user content missing", {"messages": [{"role": "user"}]}, "messages[0].content", True),
    ("user content null", {"messages": [{"role": "user", "content": None}]}, "messages[0].content", True),
    ("user content number", {"messages": [{"role": "user", "content": 3}]}, "messages[0].content", True),
    (
        "user content empty parts",
        {"messages": [{"role": "user", "content": []}]},
        "messages[0].content",
        True,
    ),
    (
        "content part type unknown",
        {"messages": [{"role": "user", "content": [{"type": "video", "text": "x"}]}]},
        "messages[0].content[0].type",
        True,
    ),
    (
        "text part without text",
        {"messages": [{"role": "system", "content": [{"type": "text"}]}]},
        "messages[0].content[0].text",
        True,
    ),
    (
        "system image part",
        {"messages": [{"role": "system", "content": [{"type": "image_url", "image_url": {"url": "u"}}]}]},
        "messages[0].content[0].type",
        True,
    ),
    (
        "name not a string",
        {"messages": [{"role": "user", "content": "x", "name": 1}]},
        "messages[0].name",
        True,
    ),
    (
        "tool message without tool_call_id",
        {"messages": [{"role": "tool", "content": "x"}]},
        "messages[0].tool_call_id",
        True,
    ),
    (
        "tool_call_id on a user message",
        {"messages": [{"role": "user", "content": "x", "tool_call_id": "c1"}]},
        "messages[0].tool_call_id",
        False,
    ),
    (
        "empty assistant message",
        {"messages": [user("a"), {"role": "assistant"}]},
        "messages[1].content",
        False,
    ),
    (
        "function message without name",
        {"messages": [{"role": "function", "content": "x"}]},
        "messages[0].name",
        True,
    ),
    (
        "assistant tool call without id",
        {
            "messages": [
                {
                    "role": "assistant",
                    "tool_calls": [{"type": "function", "function": {"name": "f", "arguments": "{}"}}],
                }
            ]
        },
        "messages[0].tool_calls[0].id",
        True,
    ),
    (
        "assistant function_call without arguments",
        {"messages": [{"role": "assistant", "function_call": {"name": "f"}}]},
        "messages[0].function_call.arguments",
        True,
    ),
    ("temperature too high", {"temperature": 2.5}, "temperature", True),
    ("temperature negative", {"temperature": -0.1}, "temperature", True),
    ("temperature a string", {"temperature": "hot"}, "temperature", True),
    ("top_p above 1", {"top_p": 1.5}, "top_p", True),
    ("frequency_penalty below -2", {"frequency_penalty": -3}, "frequency_penalty", True),
    ("presence_penalty above 2", {"presence_penalty": 2.1}, "presence_penalty", True),
    ("n zero", {"n": 0}, "n", True),
    ("n above 128", {"n": 129}, "n", True),
    ("n not an integer", {"n": 1.5}, "n", True),
    ("n a boolean", {"n": True}, "n", True),
    ("max_tokens a string", {"max_tokens": "10"}, "max_tokens", True),
    ("max_tokens zero", {"max_tokens": 0}, "max_tokens", False),
    ("max_completion_tokens negative", {"max_completion_tokens": -1}, "max_completion_tokens", False),
    ("seed a float", {"seed": 1.5}, "seed", True),
    ("logprobs not boolean", {"logprobs": "yes"}, "logprobs", True),
    ("top_logprobs above 20", {"logprobs": True, "top_logprobs": 21}, "top_logprobs", True),
    ("top_logprobs without logprobs", {"top_logprobs": 2}, "top_logprobs", False),
    ("top_logprobs with logprobs false", {"logprobs": False, "top_logprobs": 2}, "top_logprobs", False),
    ("logit_bias value not an integer", {"logit_bias": {"1": "x"}}, "logit_bias.1", True),
    ("logit_bias value above 100", {"logit_bias": {"50256": 101}}, "logit_bias.50256", False),
    ("logit_bias value below -100", {"logit_bias": {"50256": -101}}, "logit_bias.50256", False),
    ("logit_bias key not a token id", {"logit_bias": {"abc": 1}}, "logit_bias.abc", False),
    ("logit_bias key negative", {"logit_bias": {"-1": 1}}, "logit_bias.-1", False),
    ("logit_bias key with a line feed", {"logit_bias": {"50256\n": 1}}, "logit_bias.50256\n", False),
    ("stop five sequences", {"stop": ["a", "b", "c", "d", "e"]}, "stop", True),
    ("stop empty list", {"stop": []}, "stop", True),
    ("stop empty sequence", {"stop": ["a", ""]}, "stop[1]", False),
    ("stop a number", {"stop": 5}, "stop", True),
    ("stop item a number", {"stop": ["a", 1]}, "stop[1]", True),
    ("metadata not an object", {"metadata": "x"}, "metadata", True),
    ("metadata value a number", {"metadata": {"a": 1}}, "metadata.a", True),
    ("metadata 17 pairs", {"metadata": {f"k{i}": "v" for i in range(17)}}, "metadata", False),
    ("metadata empty key", {"metadata": {"": "v"}}, "metadata", False),
    ("metadata key of 65 chars", {"metadata": {"k" * 65: "v"}}, "metadata", False),
    ("metadata value of 513 chars", {"metadata": {"k": "v" * 513}}, "metadata.k", False),
    ("store not boolean", {"store": "yes"}, "store", True),
    ("service_tier unknown", {"service_tier": "gold"}, "service_tier", True),
    ("reasoning_effort unknown", {"reasoning_effort": "extreme"}, "reasoning_effort", True),
    ("user not a string", {"user": 1}, "user", True),
    ("user with a line break", {"user": "u\r\nX-Evil: 1"}, "user", False),
    ("response_format type unknown", {"response_format": {"type": "xml"}}, "response_format.type", True),
    (
        "response_format json_schema missing",
        {"response_format": {"type": "json_schema"}},
        "response_format.json_schema",
        True,
    ),
    (
        "json_schema name missing",
        {"response_format": {"type": "json_schema", "json_schema": {"schema": {}}}},
        "response_format.json_schema.name",
        True,
    ),
    (
        "json_schema name with a space",
        {"response_format": {"type": "json_schema", "json_schema": {"name": "my schema"}}},
        "response_format.json_schema.name",
        False,
    ),
    (
        "json_schema schema not an object",
        {"response_format": {"type": "json_schema", "json_schema": {"name": "s", "schema": "{}"}}},
        "response_format.json_schema.schema",
        True,
    ),
    ("tools not a list", {"tools": TOOL}, "tools", True),
    ("tool type unknown", {"tools": [{"type": "plugin", "function": FN}]}, "tools[0].type", True),
    ("tool function missing", {"tools": [{"type": "function"}]}, "tools[0].function", True),
    ("tool name missing", {"tools": [{"type": "function", "function": {}}]}, "tools[0].function.name", True),
    (
        "tool name with a dot",
        {"tools": [{"type": "function", "function": {"name": "a.b"}}]},
        "tools[0].function.name",
        False,
    ),
    (
        "tool name of 65 chars",
        {"tools": [{"type": "function", "function": {"name": "a" * 65}}]},
        "tools[0].function.name",
        False,
    ),
    (
        "tool parameters a JSON string",
        {"tools": [{"type": "function", "function": {"name": "f", "parameters": "{}"}}]},
        "tools[0].function.parameters",
        True,
    ),
    (
        "tool parameters a list",
        {"tools": [TOOL, {"type": "function", "function": {"name": "g", "parameters": []}}]},
        "tools[1].function.parameters",
        True,
    ),
    ("tool names repeated", {"tools": [TOOL, TOOL]}, "tools[1].function.name", False),
    (
        "129 tools",
        {"tools": [{"type": "function", "function": {"name": f"f{i}"}} for i in range(129)]},
        "tools",
        False,
    ),
    ("tools empty", {"tools": []}, "tools", False),
    ("function names repeated", {"functions": [FN, FN]}, "functions[1].name", False),
    ("129 functions", {"functions": [{"name": f"f{i}"} for i in range(129)]}, "functions", True),
    ("tool_choice unknown string", {"tools": [TOOL], "tool_choice": "always"}, "tool_choice", True),
    ("tool_choice without tools", {"tool_choice": "required"}, "tool_choice", False),
    (
        "tool_choice names a missing tool",
        {"tools": [TOOL], "tool_choice": {"type": "function", "function": {"name": "g"}}},
        "tool_choice.function.name",
        False,
    ),
    (
        "parallel_tool_calls not boolean",
        {"tools": [TOOL], "parallel_tool_calls": "no"},
        "parallel_tool_calls",
        True,
    ),
    ("functions empty", {"functions": []}, "functions", True),
    ("function name with a space", {"functions": [{"name": "my fn"}]}, "functions[0].name", False),
    (
        "function parameters a string",
        {"functions": [{"name": "f", "parameters": "x"}]},
        "functions[0].parameters",
        True,
    ),
    ("function_call unknown string", {"functions": [FN], "function_call": "always"}, "function_call", True),
    (
        "function_call names a missing function",
        {"functions": [FN], "function_call": {"name": "g"}},
        "function_call.name",
        False,
    ),
    ("function_call without functions", {"function_call": "auto"}, "function_call", False),
    ("stream not boolean", {"stream": "yes"}, "stream", True),
    ("stream_options without stream", {"stream_options": {"include_usage": True}}, "stream_options", False),
    ("unknown parameter", {"keepers": {"a": "b"}}, "keepers", False),
]


def _body(changes: dict[str, Any]) -> dict[str, Any]:
    body = {**BASE, **changes}
    return {k: v for k, v in body.items() if v is not None}


@pytest.mark.parametrize(("changes", "param", "spec_rejects"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_create_request_is_rejected_with_400_naming_the_param(
    server: LocalServer, changes: dict[str, Any], param: str, spec_rejects: bool
) -> None:
    body = _body(changes)
    status, answer, _ = raw_request(f"{server.base_url}/chat/completions", body)
    assert status == 400, answer
    assert answer["error"]["type"] == "invalid_request_error"
    assert answer["error"]["param"] == param, answer["error"]["message"]
    assert answer["error"]["message"] and answer["error"]["code"]
    if spec_rejects and spec() is not None:
        assert not validator("CreateChatCompletionRequest").is_valid(body), "the spec accepts this request"


GOOD: list[dict[str, Any]] = [
    BASE,
    {**BASE, "temperature": 0, "top_p": 1, "n": 128, "stop": None, "metadata": None, "seed": -5},
    {
        **BASE,
        "temperature": 2,
        "frequency_penalty": -2,
        "presence_penalty": 2,
        "max_tokens": None,
        "user": "u",
    },
    {**BASE, "metadata": {f"k{i}": "v" * 512 for i in range(15)} | {"k" * 64: ""}},
    {**BASE, "logprobs": True, "top_logprobs": 20, "logit_bias": {"1": -100, "2": 100}, "stop": "x"},
    {**BASE, "stop": ["a", "b", "c", "d"], "store": True, "service_tier": "flex", "reasoning_effort": "high"},
    {
        "model": "m",
        "messages": [
            {"role": "developer", "content": [{"type": "text", "text": "d"}]},
            {"role": "system", "content": "s", "name": "sys"},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "t"},
                    {"type": "image_url", "image_url": {"url": "https://example.com/a.png", "detail": "low"}},
                ],
            },
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
                ],
            },
            {"role": "tool", "content": "r", "tool_call_id": "call_1"},
            {"role": "assistant", "content": "x", "function_call": {"name": "f", "arguments": "{}"}},
            {"role": "function", "name": "f", "content": None},
        ],
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": "f-1_x",
                    "description": "d",
                    "parameters": {"type": "object"},
                    "strict": True,
                },
            }
        ],
        "tool_choice": {"type": "function", "function": {"name": "f-1_x"}},
        "parallel_tool_calls": True,
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "out", "schema": {"type": "object"}, "strict": True},
        },
    },
    {**BASE, "functions": [FN], "function_call": {"name": "f"}},
    {**BASE, "functions": [FN], "function_call": "none", "response_format": {"type": "json_object"}},
]


@pytest.mark.parametrize("body", GOOD, ids=[f"good{i}" for i in range(len(GOOD))])
def test_valid_create_request_is_accepted_by_the_server_and_the_spec(
    server: LocalServer, body: dict[str, Any]
) -> None:
    status, answer, _ = raw_request(f"{server.base_url}/chat/completions", body)
    assert status == 200, json.dumps(answer)[:500]
    if spec() is not None:
        assert validator("CreateChatCompletionRequest").is_valid(body)
