"""A chat completion request in both directions: Terraform values -> API body (create), and a
stored completion -> Terraform values (import, data source). Shared by the resource and the
data sources so that names and shapes are the same everywhere."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from tf.schema import Attribute

from terraform_provider_openai.framework.schema import NestedAttribute, attribute
from terraform_provider_openai.framework.types import (
    Bool,
    ExactFloat,
    List,
    Map,
    Number,
    Object,
    String,
    Unknown,
)
from terraform_provider_openai.rules import INT64_MAX, INT64_MIN, NotJSON

# Scalar settings: (name, type, description, integer?)
SETTINGS: list[tuple[str, Any, str, bool]] = [
    ("temperature", Number(), "Sampling temperature, 0 to 2. Higher is more random.", False),
    ("top_p", Number(), "Nucleus sampling: consider the tokens within this probability mass, 0 to 1.", False),
    ("n", Number(), "How many choices to generate, 1 to 128.", True),
    (
        "max_tokens",
        Number(),
        "Upper bound of generated tokens (older models; see `max_completion_tokens`).",
        True,
    ),
    ("max_completion_tokens", Number(), "Upper bound of generated tokens, reasoning tokens included.", True),
    ("presence_penalty", Number(), "-2 to 2: positive values favour new topics.", False),
    ("frequency_penalty", Number(), "-2 to 2: positive values discourage repeating the same line.", False),
    ("logprobs", Bool(), "Return log probabilities of the output tokens.", False),
    (
        "top_logprobs",
        Number(),
        "0 to 20 most likely tokens to return at each position; needs `logprobs = true`.",
        True,
    ),
    ("seed", Number(), "Best-effort deterministic sampling seed.", True),
    ("user", String(), "A stable identifier of your end user.", False),
    (
        "reasoning_effort",
        String(),
        "Reasoning models: `none`, `minimal`, `low`, `medium`, `high` or `xhigh`.",
        False,
    ),
    ("service_tier", String(), "Processing tier: `auto`, `default`, `flex`, `scale` or `priority`.", False),
    ("parallel_tool_calls", Bool(), "Allow several tool calls in one answer (only with `tools`).", False),
    (
        "function_call",
        String(),
        'Legacy: `none`, `auto` or the name of one of `functions` (sent as `{"name": ...}`).',
        False,
    ),
    ("tool_choice", String(), "`none`, `auto`, `required` or the name of a function in `tools`.", False),
]
INTEGER_SETTINGS = {name for name, _, _, integer in SETTINGS if integer}

# What the API assumes when a setting is not sent: null and these values mean the same request.
API_DEFAULTS: dict[str, Any] = {
    "temperature": 1,
    "top_p": 1,
    "n": 1,
    "presence_penalty": 0,
    "frequency_penalty": 0,
    "logprobs": False,
    "store": False,
    "parallel_tool_calls": True,
    "service_tier": "auto",
}

# Service tiers an answer reports only when the request asked for them.
REQUESTED_ONLY_TIERS = ("flex", "priority")

_FUNCTION_CALL = Object({"name": String(), "arguments": String()})
# `type` may be left out (it can only be "function"), as in `tools`
_TOOL_CALL = Object({"id": String(), "type": String(), "function": _FUNCTION_CALL}, optional=["type"])


def message_attributes(computed: bool = False) -> list[Attribute]:
    flags = {"computed": True} if computed else {"optional": True}
    return [
        attribute(
            "role",
            String(),
            "Who wrote the message: `system`, `developer`, `user`, `assistant`, `function` or `tool`.",
            **({"computed": True} if computed else {"required": True}),
        ),
        attribute(
            "content",
            String(),
            "The message text (may be null for an assistant message that calls a tool).",
            **flags,
        ),
        attribute(
            "name",
            String(),
            "Name of the author; required for role `function` (the function's name).",
            **flags,
        ),
        attribute(
            "function_call",
            _FUNCTION_CALL,
            "Legacy: the function an assistant message called, `{ name, arguments }` (arguments as a JSON string).",
            **flags,
        ),
        attribute(
            "tool_calls",
            List(_TOOL_CALL),
            'Tool calls of an assistant message: `[{ id, type = "function", function = { name, arguments } }]`.',
            **flags,
        ),
        attribute(
            "tool_call_id",
            String(),
            "For role `tool`: the ID of the tool call this message answers.",
            **flags,
        ),
    ]


def request_attributes(computed: bool = False) -> list[Attribute]:
    """Every request input but `model`, `messages`, `store`, `metadata` (which differ per caller)."""
    flags = {"computed": True} if computed else {"optional": True}
    sub = {"computed": True} if computed else {"optional": True}
    attrs: list[Attribute] = [
        NestedAttribute(
            "functions",
            [
                attribute(
                    "name",
                    String(),
                    "Function name: 1-64 letters, digits, `_` or `-`.",
                    **({"computed": True} if computed else {"required": True}),
                ),
                attribute("description", String(), "What the function does; the model reads it.", **sub),
                attribute(
                    "parameters",
                    String(),
                    "The arguments as a JSON Schema object, as a JSON string (`jsonencode({...})`).",
                    **sub,
                ),
            ],
            description="Legacy function calling: functions the model may call (see `tools`).",
            **flags,
        ),
        NestedAttribute(
            "tools",
            [
                attribute("type", String(), "Tool type; only `function`. Defaults to `function`.", **sub),
                NestedAttribute(
                    "function",
                    [
                        attribute(
                            "name",
                            String(),
                            "Function name: 1-64 letters, digits, `_` or `-`.",
                            **({"computed": True} if computed else {"required": True}),
                        ),
                        attribute(
                            "description", String(), "What the function does; the model reads it.", **sub
                        ),
                        attribute(
                            "parameters",
                            String(),
                            "The arguments as a JSON Schema object, as a JSON string.",
                            **sub,
                        ),
                        attribute(
                            "strict", Bool(), "Require the arguments to follow `parameters` exactly.", **sub
                        ),
                    ],
                    nesting="single",
                    description="The function the model may call.",
                    **({"computed": True} if computed else {"required": True}),
                ),
            ],
            description='Tools the model may call: `[{ type = "function", function = { name, description, parameters, strict } }]`.',
            **flags,
        ),
        NestedAttribute(
            "response_format",
            [
                attribute(
                    "type",
                    String(),
                    "`text`, `json_object` or `json_schema`.",
                    **({"computed": True} if computed else {"required": True}),
                ),
                NestedAttribute(
                    "json_schema",
                    [
                        attribute(
                            "name",
                            String(),
                            "Name of the format: 1-64 letters, digits, `_` or `-`.",
                            **({"computed": True} if computed else {"required": True}),
                        ),
                        attribute("description", String(), "What the format is for.", **sub),
                        attribute(
                            "schema",
                            String(),
                            "The JSON Schema of the answer, as a JSON string (`jsonencode({...})`).",
                            **sub,
                        ),
                        attribute("strict", Bool(), "Require the answer to follow `schema` exactly.", **sub),
                    ],
                    nesting="single",
                    description='For `type = "json_schema"`: the schema the answer follows.',
                    **sub,
                ),
            ],
            nesting="single",
            description='Output format: `{ type = "json_object" }` or `{ type = "json_schema", json_schema = { name, schema, strict } }`.',
            **flags,
        ),
        attribute("stop", List(String()), "Up to 4 sequences where generation stops.", **flags),
        attribute("logit_bias", Map(Number()), "Token ID (as a string) to a bias from -100 to 100.", **flags),
    ]
    attrs += [attribute(name, t, desc, **flags) for name, t, desc, _ in SETTINGS]
    return attrs


# ---------------------------------------------------------------------------------------------
# Terraform values -> API request body
# ---------------------------------------------------------------------------------------------
def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def _int(value: Any) -> Any:
    """A whole number as an int (sent as `3`, not `3.0`); anything else as is (a float beyond 64 bits
    too: no int it would become is the number written)."""
    if isinstance(value, ExactFloat):
        exact = Decimal(value.text)
        return int(exact) if exact == exact.to_integral_value() else value
    whole = isinstance(value, float) and value.is_integer() and INT64_MIN <= value <= INT64_MAX
    return int(value) if whole else value


def _json(text: Any) -> Any:
    """A JSON-string attribute as the JSON it holds; text that does not parse stays text (as
    :class:`NotJSON`, which plan-time validation refuses: it is never sent)."""
    if text is Unknown:
        return Unknown
    try:
        return json.loads(text)
    except ValueError as exc:
        return NotJSON(text, str(exc))


def _each(items: Any, build: Any) -> Any:
    """`build` over a list, keeping values not known yet as they are."""
    if items is Unknown:
        return Unknown
    return [item if item is Unknown else build(item) for item in items]


def _object(value: Any) -> Any:
    """An object's set fields (`{ name, arguments }`), or the object itself when it is not known."""
    return value if value is Unknown else _drop_none(dict(value))


def _message_body(m: dict[str, Any]) -> dict[str, Any]:
    body = _drop_none(
        {
            "role": m.get("role"),
            "content": m.get("content"),
            "name": m.get("name"),
            "tool_call_id": m.get("tool_call_id"),
        }
    )
    if m.get("role") in ("assistant", "function") and m.get("content") is None:
        # the API wants the key present (null) for these two roles: a function may return nothing
        body["content"] = None
    if m.get("function_call") is not None:
        body["function_call"] = _object(m["function_call"])
    if m.get("tool_calls"):
        body["tool_calls"] = _each(
            m["tool_calls"],
            lambda call: _drop_none(
                {
                    "id": call.get("id"),
                    "type": call.get("type") or "function",
                    "function": None if call.get("function") is None else _object(call["function"]),
                }
            ),
        )
    return body


def _function_body(fn: dict[str, Any]) -> dict[str, Any]:
    body = _drop_none(
        {"name": fn.get("name"), "description": fn.get("description"), "strict": fn.get("strict")}
    )
    if fn.get("parameters") is not None:
        body["parameters"] = _json(fn["parameters"])
    return body


def _tool_body(tool: dict[str, Any]) -> dict[str, Any]:
    fn = tool.get("function")
    return _drop_none(
        {
            "type": tool.get("type") or "function",
            "function": fn if fn is None or fn is Unknown else _function_body(fn),
        }
    )


def _response_format(rf: dict[str, Any]) -> dict[str, Any]:
    fmt: dict[str, Any] = _drop_none({"type": rf.get("type")})
    js = rf.get("json_schema")
    if js is Unknown:
        fmt["json_schema"] = Unknown
    elif js is not None:
        fmt["json_schema"] = _drop_none(
            {"name": js.get("name"), "description": js.get("description"), "strict": js.get("strict")}
        )
        if js.get("schema") is not None:
            fmt["json_schema"]["schema"] = _json(js["schema"])
    return fmt


def build_request(values: dict[str, Any]) -> dict[str, Any]:
    """The create body for the resource's values (unset values are not sent).

    Values not known yet (``Unknown``, at plan time) stay in place, and a JSON-string attribute
    that does not parse stays its text (:class:`~terraform_provider_openai.rules.NotJSON`): plan-time
    validation runs the rule table over this very body, so that it checks what would be sent."""
    messages = values.get("messages")
    body: dict[str, Any] = {
        "model": values.get("model"),
        "messages": _each(messages, _message_body) if messages is not None else [],
    }
    if values.get("functions") is not None:
        body["functions"] = _each(values["functions"], _function_body)
    fc = values.get("function_call")
    if fc is not None:
        body["function_call"] = fc if fc is Unknown or fc in ("none", "auto") else {"name": fc}
    if values.get("tools") is not None:
        body["tools"] = _each(values["tools"], _tool_body)
    tc = values.get("tool_choice")
    if tc is not None:
        body["tool_choice"] = (
            tc
            if tc is Unknown or tc in ("none", "auto", "required")
            else {"type": "function", "function": {"name": tc}}
        )
    rf = values.get("response_format")
    if rf is not None:
        body["response_format"] = rf if rf is Unknown else _response_format(rf)
    for name, _, _, _ in SETTINGS:
        if name in ("function_call", "tool_choice"):
            continue
        value = values.get(name)
        if value is not None:
            body[name] = _int(value) if name in INTEGER_SETTINGS else value
    if values.get("stop") is not None:
        body["stop"] = values["stop"] if values["stop"] is Unknown else list(values["stop"])
    if values.get("logit_bias") is not None:
        bias = values["logit_bias"]
        body["logit_bias"] = bias if bias is Unknown else {k: _int(v) for k, v in bias.items()}
    if values.get("store") is not None:
        body["store"] = values["store"]
    if values.get("metadata") is not None:
        metadata = values["metadata"]
        body["metadata"] = metadata if metadata is Unknown else dict(metadata)
    return body


# ---------------------------------------------------------------------------------------------
# Stored completion -> Terraform values
# ---------------------------------------------------------------------------------------------
def _json_string(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def _function_values(fn: dict[str, Any] | None, with_strict: bool) -> dict[str, Any]:
    fn = fn or {}
    out = {
        "name": fn.get("name"),
        "description": fn.get("description"),
        "parameters": _json_string(fn.get("parameters")),
    }
    if with_strict:
        out["strict"] = fn.get("strict")
    return out


def message_values(m: dict[str, Any]) -> dict[str, Any]:
    fc = m.get("function_call")
    return {
        "role": m.get("role"),
        "content": m.get("content"),
        "name": m.get("name"),
        "function_call": {"name": fc.get("name"), "arguments": fc.get("arguments")}
        if isinstance(fc, dict)
        else None,
        "tool_calls": [
            {
                "id": c.get("id"),
                "type": c.get("type", "function"),
                "function": {
                    "name": (c.get("function") or {}).get("name"),
                    "arguments": (c.get("function") or {}).get("arguments"),
                },
            }
            for c in m.get("tool_calls") or []
        ]
        or None,
        "tool_call_id": m.get("tool_call_id"),
    }


def settings_from_stored(stored: dict[str, Any], drop_defaults: bool) -> dict[str, Any]:
    """The request settings a stored completion reports, as Terraform values.

    With `drop_defaults`, a value equal to what the API assumes when it is not sent becomes null,
    so that a configuration that leaves it out plans no change after an import.
    """
    values: dict[str, Any] = {}
    for name, _, _, _ in SETTINGS:
        values[name] = stored.get(name)
    fc = stored.get("function_call")
    values["function_call"] = fc.get("name") if isinstance(fc, dict) else fc
    tc = stored.get("tool_choice")
    values["tool_choice"] = (tc.get("function") or {}).get("name") if isinstance(tc, dict) else tc
    values["functions"] = (
        [_function_values(fn, with_strict=False) for fn in stored["functions"]]
        if stored.get("functions")
        else None
    )
    values["tools"] = (
        [
            {
                "type": t.get("type", "function"),
                "function": _function_values(t.get("function"), with_strict=True),
            }
            for t in stored["tools"]
        ]
        if stored.get("tools")
        else None
    )
    rf = stored.get("response_format")
    if isinstance(rf, dict) and rf.get("type"):
        js = rf.get("json_schema")
        values["response_format"] = {
            "type": rf["type"],
            "json_schema": {
                "name": js.get("name"),
                "description": js.get("description"),
                "schema": _json_string(js.get("schema")),
                "strict": js.get("strict"),
            }
            if isinstance(js, dict)
            else None,
        }
        if drop_defaults and rf["type"] == "text":
            values["response_format"] = None
    else:
        values["response_format"] = None
    stop = stored.get("stop")
    values["stop"] = [stop] if isinstance(stop, str) else stop
    values["logit_bias"] = stored.get("logit_bias") or None
    if drop_defaults:
        # `service_tier` in an answer is the tier that served it, not the one asked for: `auto`
        # is served as `default` (or `scale`), so those say nothing about the request. `flex` and
        # `priority` are only served when asked for: keep them, or a configuration asking for
        # them would plan a new completion (and delete the imported one) right after an import.
        if values["service_tier"] not in REQUESTED_ONLY_TIERS:
            values["service_tier"] = None
        for name, default in API_DEFAULTS.items():
            if name in values and values[name] == default:
                values[name] = None
    return values
