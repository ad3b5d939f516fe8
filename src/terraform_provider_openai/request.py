"""A chat completion request in both directions: Terraform values -> API body (create), and a
stored completion -> Terraform values (import, data source). Shared by the resource and the
data sources so that names and shapes are the same everywhere."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from tf.schema import Attribute

from terraform_provider_openai.framework.schema import NestedAttribute, attribute
from terraform_provider_openai.framework.types import Bool, List, Map, Number, Object, String
from terraform_provider_openai.outputs import function_call_state, tool_call_state

if TYPE_CHECKING:
    from openai import BaseModel
    from openai.types.chat import ChatCompletion, ChatCompletionStoreMessage

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
    return int(value) if isinstance(value, float) and value.is_integer() else value


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
        body["function_call"] = _drop_none(dict(m["function_call"]))
    if m.get("tool_calls"):
        body["tool_calls"] = [
            {
                "id": call.get("id"),
                "type": call.get("type") or "function",
                "function": _drop_none(dict(call.get("function") or {})),
            }
            for call in m["tool_calls"]
        ]
    return body


def _function_body(fn: dict[str, Any]) -> dict[str, Any]:
    body = _drop_none(
        {"name": fn.get("name"), "description": fn.get("description"), "strict": fn.get("strict")}
    )
    if fn.get("parameters") is not None:
        body["parameters"] = json.loads(fn["parameters"])
    return body


def build_request(values: dict[str, Any]) -> dict[str, Any]:
    """The create body for the resource's values (unset values are not sent)."""
    body: dict[str, Any] = {
        "model": values["model"],
        "messages": [_message_body(m) for m in values.get("messages") or []],
    }
    if values.get("functions") is not None:
        body["functions"] = [_function_body(fn) for fn in values["functions"]]
    fc = values.get("function_call")
    if fc is not None:
        body["function_call"] = fc if fc in ("none", "auto") else {"name": fc}
    if values.get("tools") is not None:
        body["tools"] = [
            {"type": tool.get("type") or "function", "function": _function_body(tool.get("function") or {})}
            for tool in values["tools"]
        ]
    tc = values.get("tool_choice")
    if tc is not None:
        body["tool_choice"] = (
            tc if tc in ("none", "auto", "required") else {"type": "function", "function": {"name": tc}}
        )
    rf = values.get("response_format")
    if rf is not None:
        fmt: dict[str, Any] = {"type": rf["type"]}
        js = rf.get("json_schema")
        if js is not None:
            fmt["json_schema"] = _drop_none(
                {"name": js.get("name"), "description": js.get("description"), "strict": js.get("strict")}
            )
            if js.get("schema") is not None:
                fmt["json_schema"]["schema"] = json.loads(js["schema"])
        body["response_format"] = fmt
    for name, _, _, _ in SETTINGS:
        if name in ("function_call", "tool_choice"):
            continue
        value = values.get(name)
        if value is not None:
            body[name] = _int(value) if name in INTEGER_SETTINGS else value
    if values.get("stop") is not None:
        body["stop"] = list(values["stop"])
    if values.get("logit_bias") is not None:
        body["logit_bias"] = {k: _int(v) for k, v in values["logit_bias"].items()}
    if values.get("store") is not None:
        body["store"] = values["store"]
    if values.get("metadata") is not None:
        body["metadata"] = dict(values["metadata"])
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


def stored_value(model: BaseModel, api_name: str) -> Any:
    """A field of an SDK model by its API name: a declared field, or one the SDK does not declare
    but keeps as an extra (a stored completion's request settings, a stored message's `name`).
    The SDK builds answers without validating them: a field the API left out reads as None."""
    return getattr(model, api_name, None)


def message_values(m: ChatCompletionStoreMessage) -> dict[str, Any]:
    """A stored input message as the resource's `messages` element (what its configuration holds)."""
    return {
        "role": m.role,
        "content": m.content,
        "name": stored_value(m, "name"),
        "function_call": function_call_state(m.function_call),
        "tool_calls": [tool_call_state(c) for c in m.tool_calls or []] or None,
        "tool_call_id": stored_value(m, "tool_call_id"),
    }


def settings_from_stored(completion: ChatCompletion, drop_defaults: bool) -> dict[str, Any]:
    """The request settings a stored completion reports, as Terraform values.

    The SDK's `ChatCompletion` declares none of them but `service_tier` (and that one is the tier
    that served the answer): the others are the extra fields it keeps, as the API sent them.

    With `drop_defaults`, a value equal to what the API assumes when it is not sent becomes null,
    so that a configuration that leaves it out plans no change after an import.
    """
    stored: dict[str, Any] = {**(completion.model_extra or {}), "service_tier": completion.service_tier}
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
