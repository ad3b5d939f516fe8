"""Streamed answers (``stream: true``): the ``chat.completion.chunk`` events of a built completion,
in the order and shape the API sends them (see docs/local-server.md, "Streaming").

Per choice: a first delta with the role (and, for a call, the call's id, type and name with empty
arguments), then the content, the arguments or the custom input in pieces, then an empty delta
with the ``finish_reason``. Choices are interleaved by index, one choice per chunk, so each
choice's first chunk comes in index order. With ``stream_options.include_usage`` every chunk has
``usage: null`` and a last chunk with no choices carries the usage. Every chunk has an
``obfuscation`` string unless ``stream_options.include_obfuscation`` is false.

A piece of content, arguments or input is a word with the whitespace before it (a token, as usage
counts them), so a text answer has as many pieces as completion tokens, and its logprobs deltas
line up with them.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Iterator, Mapping
from typing import Any

#: The last event of a complete stream.
DONE = "[DONE]"

_WORD_PIECE = re.compile(r"\s*\S+")
_ALNUM = string.ascii_letters + string.digits
#: The API pads chunks with random characters so their size does not tell the content's length.
_OBFUSCATION_SIZE = 16

_Delta = tuple[dict[str, Any], Any]  # (delta, logprobs)


def pieces(text: str) -> list[str]:
    """``text`` cut into words with the whitespace before each, joining back to it exactly
    (trailing whitespace joins the last). Never inside a word: a key in an answer stays whole in
    one chunk, where the request log can mask it."""
    found = _WORD_PIECE.findall(text)
    tail = text[sum(map(len, found)) :]
    if not found:
        return [text] if text else []
    if tail:
        found[-1] += tail
    return found


def _message_deltas(message: Mapping[str, Any], logprobs: Any) -> list[_Delta]:
    """The deltas of one choice's message, first (role) to last (before the finish chunk)."""
    first: dict[str, Any] = {"role": "assistant", "content": None}
    rest: list[_Delta]
    if message.get("function_call"):
        call = message["function_call"]
        first["function_call"] = {"name": call["name"], "arguments": ""}
        rest = [({"function_call": {"arguments": p}}, None) for p in pieces(call["arguments"])]
    elif message.get("tool_calls"):
        call = message["tool_calls"][0]
        kind = call["type"]  # "function" (arguments: JSON) or "custom" (input: text)
        field = "input" if kind == "custom" else "arguments"
        first["tool_calls"] = [
            {"index": 0, "id": call["id"], "type": kind, kind: {"name": call[kind]["name"], field: ""}}
        ]
        rest = [({"tool_calls": [{"index": 0, kind: {field: p}}]}, None) for p in pieces(call[kind][field])]
    else:
        first["content"] = ""
        entries = logprobs["content"] if logprobs else []
        rest = [
            ({"content": p}, {"content": entries[i : i + 1], "refusal": None} if logprobs else None)
            for i, p in enumerate(pieces(message["content"] or ""))
        ]
    first["refusal"] = None
    return [(first, None), *rest]


def _obfuscation(delta: Mapping[str, Any]) -> str:
    used = sum(len(v) for v in delta.values() if isinstance(v, str))
    return "".join(random.choices(_ALNUM, k=max(_OBFUSCATION_SIZE - used, 1)))


class ChunkStream:
    """The chunks of a streamed ``completion``: ``len()`` of them, made one at a time by iterating."""

    def __init__(self, completion: Mapping[str, Any], body: Mapping[str, Any]) -> None:
        options = body.get("stream_options") or {}
        self._completion = completion
        self._include_usage = options.get("include_usage") is True
        self._obfuscate = options.get("include_obfuscation") is not False
        self._choices = [
            (c["index"], _message_deltas(c["message"], c["logprobs"]), c["finish_reason"])
            for c in completion["choices"]
        ]
        # role + pieces + finish per choice, and the usage chunk
        self._count = sum(len(d) + 1 for _, d, _ in self._choices) + self._include_usage

    def __len__(self) -> int:
        return self._count

    def _chunk(self, choices: list[dict[str, Any]], usage: Any = None) -> dict[str, Any]:
        c = self._completion
        chunk: dict[str, Any] = {
            "id": c["id"],
            "object": "chat.completion.chunk",
            "created": c["created"],
            "model": c["model"],
            "service_tier": c["service_tier"],
            "system_fingerprint": c["system_fingerprint"],
            "choices": choices,
        }
        if self._include_usage:
            chunk["usage"] = usage
        if self._obfuscate:
            chunk["obfuscation"] = _obfuscation(choices[0]["delta"] if choices else {})
        return chunk

    def __iter__(self) -> Iterator[dict[str, Any]]:
        longest = max((len(d) + 1 for _, d, _ in self._choices), default=0)
        for step in range(longest):
            for index, deltas, finish in self._choices:
                if step < len(deltas):
                    delta, logprobs = deltas[step]
                    choice = {"index": index, "delta": delta, "logprobs": logprobs, "finish_reason": None}
                elif step == len(deltas):
                    choice = {"index": index, "delta": {}, "logprobs": None, "finish_reason": finish}
                else:
                    continue
                yield self._chunk([choice])
        if self._include_usage:
            yield self._chunk([], self._completion["usage"])
