"""An API answer -> the computed outputs."""

from __future__ import annotations

from openai.types.chat import ChatCompletion

from terraform_provider_openai.outputs import CHOICE, MESSAGE, USAGE, completion_outputs

# Built as the SDK builds a response (`construct`: nested models, no validation).
ANSWER = ChatCompletion.construct(
    **{
        "id": "chatcmpl-9",
        "created": 1,
        "model": "gpt-4o",
        "system_fingerprint": "fp_1",
        "choices": [
            {"index": 1, "finish_reason": "stop", "message": {"role": "assistant", "content": "second"}},
            {
                "index": 0,
                "finish_reason": "tool_calls",
                "message": {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "call_1",
                            "type": "function",
                            "function": {"name": "f", "arguments": '{"a":1}'},
                        }
                    ],
                    "function_call": {"name": "g", "arguments": "{}"},
                },
            },
        ],
        "usage": {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7, "prompt_tokens_details": {}},
    }
)


def test_first_choice_shortcuts_and_plain_message_object() -> None:
    out = completion_outputs(ANSWER)
    assert (
        out["id"] == "chatcmpl-9"
        and out["response_model"] == "gpt-4o"
        and out["system_fingerprint"] == "fp_1"
    )
    assert out["finish_reason"] == "tool_calls"
    assert out["content"] is None
    assert out["message"]["tool_calls"][0]["function"] == {"name": "f", "arguments": '{"a":1}'}
    assert out["message"]["function_call"] == {"name": "g", "arguments": "{}"}
    assert out["usage"] == {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}


def test_choices_are_ordered_and_nested_objects_are_one_element_lists() -> None:
    out = completion_outputs(ANSWER)
    assert [c["index"] for c in out["choices"]] == [0, 1]
    first = out["choices"][0]["message"][0]
    assert first["function_call"] == [{"name": "g", "arguments": "{}"}]
    assert first["tool_calls"][0]["function"] == [{"name": "f", "arguments": '{"a":1}'}]
    second = out["choices"][1]["message"][0]
    assert second["content"] == "second" and second["function_call"] == [] and second["tool_calls"] == []


def test_outputs_encode_with_their_types() -> None:
    out = completion_outputs(ANSWER)
    encoded = [CHOICE.encode(c) for c in out["choices"]]
    assert encoded[1]["message"][0]["refusal"] is None
    assert MESSAGE.encode(out["message"])["refusal"] is None
    assert USAGE.encode(out["usage"]) == {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}


def test_an_answer_without_choices_or_usage() -> None:
    out = completion_outputs(ChatCompletion.construct(id="x"))
    assert out["choices"] == [] and out["message"] is None and out["content"] is None and out["usage"] is None
