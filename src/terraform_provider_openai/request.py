"""A chat completion request in both directions: Terraform values -> API body (create), and a
stored completion -> Terraform values (import, data source). Shared by the resource and the
data sources so that names and shapes are the same everywhere.

What each attribute is (type, API name, default, integer-ness, comparison) is declared once, in
:mod:`terraform_provider_openai.fields`; this module only converts values."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tf.schema import Attribute

from terraform_provider_openai.fields import API_DEFAULTS, AS_IS, SETTINGS
from terraform_provider_openai.framework.types import (
    ExactFloat,
    Unknown,
)
from terraform_provider_openai.outputs import function_call_state, tool_call_state
from terraform_provider_openai.rules import INT64_MAX, INT64_MIN, NotJSON

if TYPE_CHECKING:
    from openai import BaseModel
    from openai.types.chat import ChatCompletion, ChatCompletionStoreMessage

# Service tiers an answer reports only when the request asked for them.
REQUESTED_ONLY_TIERS = ("flex", "priority")


def request_attributes(computed: bool = False) -> list[Attribute]:
    """Every request input but `model`, `messages`, `store`, `metadata` (which differ per caller)."""
    return [f.attribute(computed) for f in SETTINGS]


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
    for field in AS_IS:
        value = values.get(field.name)
        if value is not None:
            body[field.api_name] = _int(value) if field.integer else value
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
    values: dict[str, Any] = {f.name: stored.get(f.api_name) for f in AS_IS}
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
                values[name] = None  # the API's default: what a configuration leaving it out means
    return values
