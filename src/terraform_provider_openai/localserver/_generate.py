"""Deterministic answers derived from the request body (see docs/local-server.md, "Answers").

Text: ``Local reply to: <text of the last user message>``; choice ``i`` (0-based) > 0 gets the
suffix `` (choice i+1)``. Then ``stop`` cuts at the earliest stop sequence, then
``max_completion_tokens`` (or ``max_tokens``) keeps that many whitespace-separated words
(finish_reason ``length``). ``response_format`` json_object -> ``{"reply": <text>}``;
json_schema -> a minimal instance of the schema whose strings are the text. Tools/functions -> a
call of the chosen tool whose arguments are a minimal instance of its ``parameters``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from terraform_provider_openai.localserver._instances import instance

SYSTEM_FINGERPRINT = "fp_local01"
REPLY_PREFIX = "Local reply to: "
_WORD = re.compile(r"\S+")

#: Request settings kept with a stored completion and returned when it is read back.
STORED_SETTINGS = (
    "metadata",
    "temperature",
    "top_p",
    "frequency_penalty",
    "presence_penalty",
    "seed",
    "tools",
    "tool_choice",
    "response_format",
    "functions",
    "function_call",
    "n",
    "max_tokens",
    "max_completion_tokens",
    "stop",
    "user",
    "logprobs",
    "top_logprobs",
    "logit_bias",
    "parallel_tool_calls",
    "reasoning_effort",
    "service_tier",
    "store",
)


def content_text(content: Any) -> str:
    """The text of a message ``content`` (a string or a list of parts; text parts joined by a space)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            p.get("text") or p.get("refusal") or ""
            for p in content
            if isinstance(p, dict) and p.get("type") in ("text", "refusal")
        )
    return ""


def count_words(text: str) -> int:
    return len(text.split())


def last_user_text(messages: list[dict[str, Any]]) -> str:
    for msg in reversed(messages):
        if msg.get("role") == "user":
            return content_text(msg.get("content"))
    return content_text(messages[-1].get("content")) if messages else ""


def prompt_tokens(messages: list[dict[str, Any]]) -> int:
    total = 0
    for msg in messages:
        total += count_words(content_text(msg.get("content")))
        if isinstance(msg.get("name"), str):
            total += count_words(msg["name"])
    return max(total, 1)


def _cut_stop(text: str, stop: Any) -> str:
    sequences = [stop] if isinstance(stop, str) else list(stop or [])
    cut = len(text)
    for seq in sequences:
        if seq:
            pos = text.find(seq)
            if pos != -1:
                cut = min(cut, pos)
    return text[:cut]


def _truncate(text: str, limit: int | None) -> tuple[str, bool]:
    if limit is None:
        return text, False
    words = list(_WORD.finditer(text))
    if len(words) <= limit:
        return text, False
    return text[: words[limit - 1].end()], True


def _choose_call(body: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """Which tool/function to call, or None for a text answer (the rule is in the docs)."""
    messages = body["messages"]
    last_role = messages[-1].get("role")
    tools = [t for t in body.get("tools") or [] if isinstance(t, dict)]
    if tools:
        choice = body.get("tool_choice", "auto")
        if choice == "none":
            return None
        by_name = {t[t["type"]]["name"]: t for t in tools}
        if isinstance(choice, dict):
            if choice["type"] in ("function", "custom"):
                return "tool", by_name[choice[choice["type"]]["name"]]
            allowed = choice["allowed_tools"]
            names = [a.get(a.get("type", "function"), {}).get("name") for a in allowed["tools"]]
            candidates = [by_name[n] for n in names if n in by_name] or tools
            if allowed["mode"] == "required" or last_role == "user":
                return "tool", candidates[0]
            return None
        if choice == "required" or last_role == "user":
            return "tool", tools[0]
        return None
    functions = body.get("functions") or []
    if functions:
        fc = body.get("function_call", "auto")
        if fc == "none":
            return None
        if isinstance(fc, dict):
            return "function", next(f for f in functions if f["name"] == fc["name"])
        if last_role == "user":
            return "function", functions[0]
    return None


def _arguments(definition: Mapping[str, Any], text: str) -> str:
    params = definition.get("parameters")
    value = instance(params, text) if isinstance(params, dict) else {}
    return json.dumps(value)


def _logprobs(text: str, top: int) -> dict[str, Any]:
    entries = []
    for i, word in enumerate(text.split()):
        token = word if i == 0 else " " + word
        alternatives = [{"token": token, "logprob": 0.0, "bytes": list(token.encode())}]
        for k in range(1, top):
            alt = f"{token}#{k}"
            alternatives.append({"token": alt, "logprob": -float(k), "bytes": list(alt.encode())})
        entries.append(
            {
                "token": token,
                "logprob": 0.0,
                "bytes": list(token.encode()),
                "top_logprobs": alternatives[:top],
            }
        )
    return {"content": entries, "refusal": None}


def build_completion(
    body: Mapping[str, Any], *, completion_id: str, created: int, model: str
) -> dict[str, Any]:
    """The ``chat.completion`` answering a validated create request."""
    messages: list[dict[str, Any]] = body["messages"]
    n = body.get("n") or 1
    base = REPLY_PREFIX + last_user_text(messages)
    call = _choose_call(body)
    limit = body.get("max_completion_tokens") or body.get("max_tokens")
    fmt = body.get("response_format") or {}
    seed = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest() if call else ""
    choices = []
    completion_tokens = 0
    for i in range(n):
        text = base if i == 0 else f"{base} (choice {i + 1})"
        message: dict[str, Any] = {"role": "assistant", "content": None, "refusal": None, "annotations": []}
        if call is not None:
            kind, definition = call
            if kind == "function":
                args = _arguments(definition, text)
                message["function_call"] = {"name": definition["name"], "arguments": args}
                finish = "function_call"
                completion_tokens += max(count_words(args), 1)
            else:
                call_id = "call_" + hashlib.sha256(f"{seed}:{i}".encode()).hexdigest()[:24]
                if definition["type"] == "custom":
                    name = definition["custom"]["name"]
                    tool_call: dict[str, Any] = {
                        "id": call_id,
                        "type": "custom",
                        "custom": {"name": name, "input": text},
                    }
                    completion_tokens += max(count_words(text), 1)
                else:
                    fn = definition["function"]
                    args = _arguments(fn, text)
                    tool_call = {
                        "id": call_id,
                        "type": "function",
                        "function": {"name": fn["name"], "arguments": args},
                    }
                    completion_tokens += max(count_words(args), 1)
                message["tool_calls"] = [tool_call]
                finish = "tool_calls"
        else:
            if fmt.get("type") == "json_object":
                text = json.dumps({"reply": text})
            elif fmt.get("type") == "json_schema":
                schema = fmt["json_schema"].get("schema")
                text = json.dumps(instance(schema, text) if isinstance(schema, dict) else {})
            cut = _cut_stop(text, body.get("stop"))
            content, truncated = _truncate(cut, limit)
            finish = "length" if truncated else "stop"
            message["content"] = content
            completion_tokens += count_words(content)
        logprobs = None
        if body.get("logprobs") and message["content"] is not None:
            logprobs = _logprobs(message["content"], body.get("top_logprobs") or 0)
        choices.append({"index": i, "message": message, "finish_reason": finish, "logprobs": logprobs})
    prompt = prompt_tokens(messages)
    tier = body.get("service_tier")
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": choices,
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
        "service_tier": tier if tier and tier != "auto" else "default",
        "system_fingerprint": SYSTEM_FINGERPRINT,
    }


def stored_settings(body: Mapping[str, Any]) -> dict[str, Any]:
    """The request settings kept with a stored completion (only the keys the request sent)."""
    settings = {key: body[key] for key in STORED_SETTINGS if key in body}
    settings["metadata"] = dict(body.get("metadata") or {})
    return settings


def stored_messages(completion_id: str, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The input messages as the messages route returns them."""
    result = []
    for i, msg in enumerate(messages):
        content = msg.get("content")
        parts = None
        if isinstance(content, list):
            parts = [p for p in content if isinstance(p, dict) and p.get("type") in ("text", "image_url")]
            content = content_text(content)
        item: dict[str, Any] = {
            "id": f"{completion_id}-{i}",
            "role": msg["role"],
            "content": content,
            "refusal": msg.get("refusal"),
            "name": msg.get("name"),
            "content_parts": parts,
        }
        if msg.get("tool_calls"):
            item["tool_calls"] = msg["tool_calls"]
        if msg.get("function_call"):
            item["function_call"] = msg["function_call"]
        if "tool_call_id" in msg:
            item["tool_call_id"] = msg["tool_call_id"]
        result.append(item)
    return result
