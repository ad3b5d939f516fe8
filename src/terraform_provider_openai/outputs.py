"""The outputs of a chat completion, shared by the resource and the data sources: their schema
and how an API answer becomes state.

Inside `choices` every nested object is a one-element list (`choices[0].message[0].content`,
`choices[0].message[0].function_call[0].name`); the first-choice shortcut `message` is a plain
object (`message.function_call.name`, `message.tool_calls[0].function.name`).
"""

from __future__ import annotations

from typing import Any

from tf.schema import Attribute

from terraform_provider_openai.framework.schema import attribute
from terraform_provider_openai.framework.types import Bool, List, Map, Number, Object, String

FUNCTION_CALL = Object({"name": String(), "arguments": String()})
_CHOICE_TOOL_CALL = Object({"id": String(), "type": String(), "function": List(FUNCTION_CALL)})
_CHOICE_MESSAGE = Object(
    {
        "role": String(),
        "content": String(),
        "refusal": String(),
        "function_call": List(FUNCTION_CALL),
        "tool_calls": List(_CHOICE_TOOL_CALL),
    }
)
CHOICE = Object({"index": Number(), "finish_reason": String(), "message": List(_CHOICE_MESSAGE)})
TOOL_CALL = Object({"id": String(), "type": String(), "function": FUNCTION_CALL})
MESSAGE = Object(
    {
        "role": String(),
        "content": String(),
        "refusal": String(),
        "function_call": FUNCTION_CALL,
        "tool_calls": List(TOOL_CALL),
    }
)
USAGE = Object({"prompt_tokens": Number(), "completion_tokens": Number(), "total_tokens": Number()})


def output_attributes(model_attribute: str) -> list[Attribute]:
    """The computed outputs; `model_attribute` names the attribute holding the answering model."""
    return [
        attribute("id", String(), "The completion's ID (`chatcmpl-...`).", computed=True),
        attribute(
            "created", Number(), "Unix timestamp (seconds) of when the completion was created.", computed=True
        ),
        attribute(
            model_attribute, String(), "The model that answered, as the API reports it.", computed=True
        ),
        attribute(
            "system_fingerprint",
            String(),
            "The backend configuration the model ran with, when the API reports it.",
            computed=True,
        ),
        attribute(
            "choices",
            List(CHOICE),
            "Every generated choice: `index`, `finish_reason` and `message`. Nested objects are "
            "one-element lists: `choices[0].message[0].content`, "
            "`choices[0].message[0].function_call[0].name`, `choices[0].message[0].tool_calls[0].function[0].arguments`.",
            computed=True,
        ),
        attribute(
            "content",
            String(),
            "Text of the first choice's message (null when it only calls a tool).",
            computed=True,
        ),
        attribute(
            "finish_reason",
            String(),
            "Why the first choice ended: `stop`, `length`, `tool_calls`, `function_call` or `content_filter`.",
            computed=True,
        ),
        attribute(
            "message",
            MESSAGE,
            "The first choice's message as one object: `role`, `content`, `refusal`, `function_call` "
            "(`{name, arguments}` or null) and `tool_calls` (list of `{id, type, function = {name, arguments}}`). "
            "`arguments` is the JSON string the model produced.",
            computed=True,
        ),
        attribute(
            "usage",
            USAGE,
            "Token counts: `prompt_tokens`, `completion_tokens`, `total_tokens`.",
            computed=True,
        ),
    ]


def _function_call(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, dict):
        return None
    return {"name": value.get("name"), "arguments": value.get("arguments")}


def _tool_calls(value: Any) -> list[dict[str, Any]]:
    calls = []
    for call in value or []:
        calls.append(
            {
                "id": call.get("id"),
                "type": call.get("type", "function"),
                "function": _function_call(call.get("function")),
            }
        )
    return calls


def message_state(message: dict[str, Any] | None) -> dict[str, Any] | None:
    if message is None:
        return None
    return {
        "role": message.get("role"),
        "content": message.get("content"),
        "refusal": message.get("refusal"),
        "function_call": _function_call(message.get("function_call")),
        "tool_calls": _tool_calls(message.get("tool_calls")),
    }


def _as_list(value: Any) -> list[Any]:
    return [] if value is None else [value]


def choice_state(choice: dict[str, Any]) -> dict[str, Any]:
    msg = message_state(choice.get("message"))
    nested = None
    if msg is not None:
        nested = {
            **msg,
            "function_call": _as_list(msg["function_call"]),
            "tool_calls": [{**call, "function": _as_list(call["function"])} for call in msg["tool_calls"]],
        }
    return {
        "index": choice.get("index"),
        "finish_reason": choice.get("finish_reason"),
        "message": _as_list(nested),
    }


def usage_state(usage: Any) -> dict[str, Any] | None:
    if not isinstance(usage, dict):
        return None
    return {k: usage.get(k) for k in ("prompt_tokens", "completion_tokens", "total_tokens")}


def completion_outputs(answer: dict[str, Any], model_attribute: str) -> dict[str, Any]:
    """State of the computed outputs from an API chat completion object."""
    choices = sorted(answer.get("choices") or [], key=lambda c: c.get("index", 0))
    first = choices[0] if choices else {}
    message = message_state(first.get("message"))
    return {
        "id": answer.get("id"),
        "created": answer.get("created"),
        model_attribute: answer.get("model"),
        "system_fingerprint": answer.get("system_fingerprint"),
        "choices": [choice_state(c) for c in choices],
        "content": message["content"] if message else None,
        "finish_reason": first.get("finish_reason"),
        "message": message,
        "usage": usage_state(answer.get("usage")),
    }


__all__ = ["Bool", "Map", "completion_outputs", "message_state", "output_attributes", "usage_state"]
