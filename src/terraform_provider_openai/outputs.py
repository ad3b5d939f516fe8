"""The outputs of a chat completion, shared by the resource and the data sources: their schema
and how an API answer becomes state.

Inside `choices` every nested object is a one-element list (`choices[0].message[0].content`,
`choices[0].message[0].function_call[0].name`); the first-choice shortcut `message` is a plain
object (`message.function_call.name`, `message.tool_calls[0].function.name`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tf.schema import Attribute

from terraform_provider_openai.framework.schema import attribute
from terraform_provider_openai.framework.types import Bool, List, Map, Number, Object, String

if TYPE_CHECKING:  # annotations only: importing the SDK costs ~0.8 s, paid on the first API call
    from openai.types.chat import ChatCompletion, ChatCompletionMessage, ChatCompletionMessageToolCallUnion
    from openai.types.chat.chat_completion import Choice
    from openai.types.chat.chat_completion_message import FunctionCall
    from openai.types.chat.chat_completion_message_function_tool_call import Function
    from openai.types.completion_usage import CompletionUsage

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


#: The model that answered, as the API reports it (often a dated snapshot of the requested model).
#: Not `model`: on the resource that is the input naming the model asked for, and one fact keeps
#: one name on the resource and every data source.
RESPONSE_MODEL = "response_model"


def output_attributes() -> list[Attribute]:
    """The computed outputs of a completion, identical on the resource and the data sources."""
    return [
        attribute("id", String(), "The completion's ID (`chatcmpl-...`).", computed=True),
        attribute(
            "created", Number(), "Unix timestamp (seconds) of when the completion was created.", computed=True
        ),
        attribute(
            RESPONSE_MODEL,
            String(),
            "The model that answered, as the API reports it: often a dated snapshot of the model asked "
            "for (`gpt-4o-2024-08-06` for `gpt-4o`).",
            computed=True,
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


# ---------------------------------------------------------------------------------------------
# The SDK's typed answer -> state. A function call is `{name, arguments}` wherever a message
# carries one (the answer's message, a stored input message, the resource's `messages`); inside
# `choices` it is the one-element list of that object.
# ---------------------------------------------------------------------------------------------
def function_call_state(call: FunctionCall | Function | None) -> dict[str, Any] | None:
    """`{name, arguments}` of a function call (legacy `function_call`, or a tool call's function)."""
    if call is None:
        return None
    return {"name": call.name, "arguments": call.arguments}


def tool_call_state(call: ChatCompletionMessageToolCallUnion) -> dict[str, Any]:
    """`{id, type, function = {name, arguments}}`; a custom tool call has no function (null)."""
    function = None if call.type == "custom" else function_call_state(call.function)
    return {"id": call.id, "type": call.type or "function", "function": function}


def message_state(message: ChatCompletionMessage | None) -> dict[str, Any] | None:
    if message is None:
        return None
    return {
        "role": message.role,
        "content": message.content,
        "refusal": message.refusal,
        "function_call": function_call_state(message.function_call),
        "tool_calls": [tool_call_state(call) for call in message.tool_calls or []],
    }


def _as_list(value: Any) -> list[Any]:
    return [] if value is None else [value]


def choice_state(choice: Choice) -> dict[str, Any]:
    msg = message_state(choice.message)
    nested = None
    if msg is not None:
        nested = {
            **msg,
            "function_call": _as_list(msg["function_call"]),
            "tool_calls": [{**call, "function": _as_list(call["function"])} for call in msg["tool_calls"]],
        }
    return {"index": choice.index, "finish_reason": choice.finish_reason, "message": _as_list(nested)}


def usage_state(usage: CompletionUsage | None) -> dict[str, Any] | None:
    if usage is None:
        return None
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
    }


def completion_outputs(answer: ChatCompletion) -> dict[str, Any]:
    """State of the computed outputs from the SDK's chat completion. The SDK builds answers without
    validating them, so a field an OpenAI-compatible server leaves out reads as None."""
    choices = sorted(answer.choices or [], key=lambda c: c.index or 0)
    first = choices[0] if choices else None
    message = message_state(first.message) if first is not None else None
    return {
        "id": answer.id,
        "created": answer.created,
        RESPONSE_MODEL: answer.model,
        "system_fingerprint": answer.system_fingerprint,
        "choices": [choice_state(c) for c in choices],
        "content": message["content"] if message else None,
        "finish_reason": first.finish_reason if first is not None else None,
        "message": message,
        "usage": usage_state(answer.usage),
    }


__all__ = [
    "Bool",
    "Map",
    "completion_outputs",
    "function_call_state",
    "message_state",
    "output_attributes",
    "tool_call_state",
    "usage_state",
]
