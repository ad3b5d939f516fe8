"""Hand-written request rules: the spec's CreateChatCompletionRequest plus the rules stated in prose.

The server ships its own rules (it must run without the spec file); the tests check them against
the spec. Every failure is an :class:`APIError` 400 whose ``param`` is the path of the offending
field, e.g. ``messages[1].role`` or ``tools[0].function.name``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from terraform_provider_openai.localserver._errors import APIError, invalid

_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_INT_KEY = re.compile(r"^-?[0-9]+$")

_SERVICE_TIERS = ("auto", "default", "flex", "scale", "priority", "fast")
_REASONING_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh", "max")
_ROLES = ("developer", "system", "user", "assistant", "tool", "function")
_TYPE_WORDS = {
    "string": "a string",
    "integer": "an integer",
    "number": "a decimal",
    "boolean": "a boolean",
    "object": "an object",
    "array": "an array",
}


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "unknown"


def _is(value: Any, expected: str) -> bool:
    kind = _kind(value)
    return kind == expected or (expected == "number" and kind == "integer")


def _type(value: Any, path: str, expected: str, *, nullable: bool = False) -> bool:
    """Check the JSON type; returns False when the value is an allowed null."""
    if value is None and nullable:
        return False
    if not _is(value, expected):
        raise invalid(
            path,
            f"Invalid type for '{path}': expected {_TYPE_WORDS[expected]}, but got {_TYPE_WORDS.get(_kind(value), _kind(value))} instead.",
            "invalid_type",
        )
    return True


def _required(obj: Mapping[str, Any], key: str, path: str) -> Any:
    if key not in obj:
        raise invalid(
            f"{path}.{key}" if path else key,
            f"Missing required parameter: '{path + '.' if path else ''}{key}'.",
            "missing_required_parameter",
        )
    return obj[key]


def _range(
    value: Any,
    path: str,
    lo: float | None,
    hi: float | None,
    *,
    integer: bool = False,
    nullable: bool = True,
) -> None:
    if not _type(value, path, "integer" if integer else "number", nullable=nullable):
        return
    word = "integer" if integer else "decimal"
    if lo is not None and value < lo:
        raise invalid(
            path,
            f"Invalid '{path}': {word} below minimum value. Expected a value >= {lo}, but got {value} instead.",
            f"{word}_below_min_value",
        )
    if hi is not None and value > hi:
        raise invalid(
            path,
            f"Invalid '{path}': {word} above maximum value. Expected a value <= {hi}, but got {value} instead.",
            f"{word}_above_max_value",
        )


def _enum(value: Any, path: str, allowed: tuple[str, ...], *, nullable: bool = True) -> None:
    if not _type(value, path, "string", nullable=nullable):
        return
    if value not in allowed:
        supported = ", ".join(f"'{a}'" for a in allowed)
        raise invalid(
            path,
            f"Invalid value for '{path}': '{value}'. Supported values are: {supported}.",
            "invalid_value",
        )


def _string(value: Any, path: str, *, nullable: bool = False, max_length: int | None = None) -> None:
    if _type(value, path, "string", nullable=nullable) and max_length is not None and len(value) > max_length:
        raise invalid(
            path,
            f"Invalid '{path}': string too long. Expected a string with maximum length {max_length}, but got a string with length {len(value)} instead.",
            "string_above_max_length",
        )


def _bool(value: Any, path: str, *, nullable: bool = True) -> None:
    _type(value, path, "boolean", nullable=nullable)


def _array(
    value: Any, path: str, *, min_items: int = 0, max_items: int | None = None, nullable: bool = False
) -> bool:
    if not _type(value, path, "array", nullable=nullable):
        return False
    if len(value) < min_items:
        raise invalid(
            path,
            f"Invalid '{path}': empty array. Expected an array with minimum length {min_items}, but got an array with length {len(value)} instead.",
            "empty_array" if not value else "array_below_min_length",
        )
    if max_items is not None and len(value) > max_items:
        raise invalid(
            path,
            f"Invalid '{path}': array too long. Expected an array with maximum length {max_items}, but got an array with length {len(value)} instead.",
            "array_above_max_length",
        )
    return True


def _object(value: Any, path: str, *, nullable: bool = False) -> bool:
    return _type(value, path, "object", nullable=nullable)


def _name(value: Any, path: str) -> None:
    _string(value, path)
    if not _NAME.match(value):
        raise invalid(
            path,
            f"Invalid '{path}': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]{{1,64}}$'.",
            "invalid_value",
        )


def _json_schema_object(value: Any, path: str) -> None:
    if not _is(value, "object"):
        raise invalid(
            path,
            f"Invalid '{path}': a JSON Schema must be a JSON object, but got {_TYPE_WORDS.get(_kind(value), _kind(value))}.",
            "invalid_type",
        )


def validate_metadata(value: Any, path: str = "metadata") -> None:
    """Metadata: an object (or null) of at most 16 string pairs, keys <= 64 and values <= 512 chars."""
    if not _object(value, path, nullable=True):
        return
    if len(value) > 16:
        raise invalid(
            path,
            f"Invalid '{path}': too many properties. Expected an object with at most 16 properties, but got an object with {len(value)} properties instead.",
            "object_above_max_properties",
        )
    for key, item in value.items():
        if len(key) > 64:
            raise invalid(
                path,
                f"Invalid '{path}': key '{key[:70]}...' is too long. Expected keys of at most 64 characters, but got a key with length {len(key)} instead.",
                "string_above_max_length",
            )
        _string(item, f"{path}.{key}", max_length=512)


# --- messages ---------------------------------------------------------------------------------

_PART_TYPES_BY_ROLE: dict[str, tuple[str, ...]] = {
    "developer": ("text",),
    "system": ("text",),
    "user": ("text", "image_url", "input_audio", "file"),
    "assistant": ("text", "refusal"),
    "tool": ("text",),
}


def _content_part(part: Any, path: str, allowed: tuple[str, ...]) -> None:
    _object(part, path)
    kind = _required(part, "type", path)
    _enum(kind, f"{path}.type", allowed, nullable=False)
    if kind == "text":
        _string(_required(part, "text", path), f"{path}.text")
    elif kind == "refusal":
        _string(_required(part, "refusal", path), f"{path}.refusal")
    elif kind == "image_url":
        image = _required(part, "image_url", path)
        _object(image, f"{path}.image_url")
        _string(_required(image, "url", f"{path}.image_url"), f"{path}.image_url.url")
        if "detail" in image:
            _enum(image["detail"], f"{path}.image_url.detail", ("auto", "low", "high"), nullable=False)
    elif kind == "input_audio":
        audio = _required(part, "input_audio", path)
        _object(audio, f"{path}.input_audio")
        _string(_required(audio, "data", f"{path}.input_audio"), f"{path}.input_audio.data")
        _enum(
            _required(audio, "format", f"{path}.input_audio"),
            f"{path}.input_audio.format",
            ("wav", "mp3"),
            nullable=False,
        )
    elif kind == "file":
        _object(_required(part, "file", path), f"{path}.file")


def _content(msg: Mapping[str, Any], path: str, role: str, *, required: bool, nullable: bool) -> None:
    if "content" not in msg:
        if required:
            _required(msg, "content", path)
        return
    value = msg["content"]
    cpath = f"{path}.content"
    if value is None:
        if nullable:
            return
        raise invalid(
            cpath,
            f"Invalid type for '{cpath}': expected one of a string or array of objects, but got null instead.",
            "invalid_type",
        )
    if isinstance(value, str):
        return
    if role == "function" or not isinstance(value, list):
        what = "a string" if role == "function" else "one of a string or array of objects"
        raise invalid(
            cpath,
            f"Invalid type for '{cpath}': expected {what}, but got {_TYPE_WORDS.get(_kind(value), _kind(value))} instead.",
            "invalid_type",
        )
    _array(value, cpath, min_items=1)
    for i, part in enumerate(value):
        _content_part(part, f"{cpath}[{i}]", _PART_TYPES_BY_ROLE[role])


def _tool_calls(value: Any, path: str) -> None:
    _array(value, path)
    for i, call in enumerate(value):
        cpath = f"{path}[{i}]"
        _object(call, cpath)
        _string(_required(call, "id", cpath), f"{cpath}.id")
        kind = _required(call, "type", cpath)
        _enum(kind, f"{cpath}.type", ("function", "custom"), nullable=False)
        body = _required(call, kind, cpath)
        _object(body, f"{cpath}.{kind}")
        _string(_required(body, "name", f"{cpath}.{kind}"), f"{cpath}.{kind}.name")
        if kind == "function":
            _string(_required(body, "arguments", f"{cpath}.function"), f"{cpath}.function.arguments")
        else:
            _string(_required(body, "input", f"{cpath}.custom"), f"{cpath}.custom.input")


def _message(msg: Any, path: str) -> None:
    _object(msg, path)
    role = _required(msg, "role", path)
    _enum(role, f"{path}.role", _ROLES, nullable=False)
    if "name" in msg:
        _string(msg["name"], f"{path}.name")
    if role in ("developer", "system", "user"):
        _content(msg, path, role, required=True, nullable=False)
    elif role == "assistant":
        _content(msg, path, role, required=False, nullable=True)
        if "refusal" in msg:
            _string(msg["refusal"], f"{path}.refusal", nullable=True)
        if "tool_calls" in msg:
            _tool_calls(msg["tool_calls"], f"{path}.tool_calls")
        if "function_call" in msg and _object(msg["function_call"], f"{path}.function_call", nullable=True):
            fc = msg["function_call"]
            _string(_required(fc, "name", f"{path}.function_call"), f"{path}.function_call.name")
            _string(_required(fc, "arguments", f"{path}.function_call"), f"{path}.function_call.arguments")
        if "audio" in msg and _object(msg["audio"], f"{path}.audio", nullable=True):
            _string(_required(msg["audio"], "id", f"{path}.audio"), f"{path}.audio.id")
    elif role == "tool":
        _content(msg, path, role, required=True, nullable=False)
        _string(_required(msg, "tool_call_id", path), f"{path}.tool_call_id")
    else:  # function
        _content(msg, path, role, required=True, nullable=True)
        _string(_required(msg, "name", path), f"{path}.name")


def _messages(value: Any, path: str) -> None:
    _array(value, path, min_items=1)
    for i, msg in enumerate(value):
        _message(msg, f"{path}[{i}]")


# --- tools, functions, response_format -------------------------------------------------------------


def _function_definition(fn: Any, path: str) -> None:
    _object(fn, path)
    _name(_required(fn, "name", path), f"{path}.name")
    if "description" in fn:
        _string(fn["description"], f"{path}.description")
    if "parameters" in fn:
        _json_schema_object(fn["parameters"], f"{path}.parameters")
    if "strict" in fn:
        _bool(fn["strict"], f"{path}.strict")


def _tools(value: Any, path: str) -> None:
    _array(value, path)
    for i, tool in enumerate(value):
        tpath = f"{path}[{i}]"
        _object(tool, tpath)
        kind = _required(tool, "type", tpath)
        _enum(kind, f"{tpath}.type", ("function", "custom"), nullable=False)
        if kind == "function":
            _function_definition(_required(tool, "function", tpath), f"{tpath}.function")
        else:
            custom = _required(tool, "custom", tpath)
            _object(custom, f"{tpath}.custom")
            _name(_required(custom, "name", f"{tpath}.custom"), f"{tpath}.custom.name")
            if "description" in custom:
                _string(custom["description"], f"{tpath}.custom.description")
            if "format" in custom:
                fmt = custom["format"]
                fpath = f"{tpath}.custom.format"
                _object(fmt, fpath)
                ftype = _required(fmt, "type", fpath)
                _enum(ftype, f"{fpath}.type", ("text", "grammar"), nullable=False)
                allowed = {"type"} if ftype == "text" else {"type", "grammar"}
                for key in fmt:
                    if key not in allowed:
                        raise invalid(
                            f"{fpath}.{key}", f"Unrecognized parameter: '{fpath}.{key}'.", "unknown_parameter"
                        )
                if ftype == "grammar":
                    grammar = _required(fmt, "grammar", fpath)
                    _object(grammar, f"{fpath}.grammar")
                    _string(
                        _required(grammar, "definition", f"{fpath}.grammar"), f"{fpath}.grammar.definition"
                    )
                    _enum(
                        _required(grammar, "syntax", f"{fpath}.grammar"),
                        f"{fpath}.grammar.syntax",
                        ("lark", "regex"),
                        nullable=False,
                    )


def _tool_choice(value: Any, path: str) -> None:
    if isinstance(value, str):
        _enum(value, path, ("none", "auto", "required"), nullable=False)
        return
    _object(value, path)
    kind = _required(value, "type", path)
    _enum(kind, f"{path}.type", ("function", "custom", "allowed_tools"), nullable=False)
    if kind in ("function", "custom"):
        body = _required(value, kind, path)
        _object(body, f"{path}.{kind}")
        _string(_required(body, "name", f"{path}.{kind}"), f"{path}.{kind}.name")
        return
    allowed = _required(value, "allowed_tools", path)
    apath = f"{path}.allowed_tools"
    _object(allowed, apath)
    _enum(_required(allowed, "mode", apath), f"{apath}.mode", ("auto", "required"), nullable=False)
    _array(_required(allowed, "tools", apath), f"{apath}.tools")
    for i, tool in enumerate(allowed["tools"]):
        _object(tool, f"{apath}.tools[{i}]")


def _functions(value: Any, path: str) -> None:
    _array(value, path, min_items=1, max_items=128)
    for i, fn in enumerate(value):
        _function_definition(fn, f"{path}[{i}]")


def _function_call(value: Any, path: str) -> None:
    if isinstance(value, str):
        _enum(value, path, ("none", "auto"), nullable=False)
        return
    _object(value, path)
    _string(_required(value, "name", path), f"{path}.name")


def _response_format(value: Any, path: str) -> None:
    _object(value, path)
    kind = _required(value, "type", path)
    _enum(kind, f"{path}.type", ("text", "json_object", "json_schema"), nullable=False)
    if kind != "json_schema":
        return
    spec = _required(value, "json_schema", path)
    jpath = f"{path}.json_schema"
    _object(spec, jpath)
    _name(_required(spec, "name", jpath), f"{jpath}.name")
    if "description" in spec:
        _string(spec["description"], f"{jpath}.description")
    if "schema" in spec:
        _json_schema_object(spec["schema"], f"{jpath}.schema")
    if "strict" in spec:
        _bool(spec["strict"], f"{jpath}.strict")


def _stop(value: Any, path: str) -> None:
    if value is None or isinstance(value, str):
        return
    if not isinstance(value, list):
        raise invalid(
            path,
            f"Invalid type for '{path}': expected one of a string or array of strings, but got {_TYPE_WORDS.get(_kind(value), _kind(value))} instead.",
            "invalid_type",
        )
    _array(value, path, min_items=1, max_items=4)
    for i, item in enumerate(value):
        _string(item, f"{path}[{i}]")


def _logit_bias(value: Any, path: str) -> None:
    if not _object(value, path, nullable=True):
        return
    for key, bias in value.items():
        if not _INT_KEY.match(key):
            raise invalid(
                path,
                f"Invalid key in '{path}': {key}. Keys must be token ids (integers as strings).",
                "invalid_value",
            )
        _range(bias, f"{path}.{key}", -100, 100, integer=True, nullable=False)


def _positive_int(value: Any, path: str) -> None:
    _range(value, path, 1, None, integer=True)


def _stream_options(value: Any, path: str) -> None:
    if _object(value, path, nullable=True):
        for key in ("include_usage", "include_obfuscation"):
            if key in value:
                _bool(value[key], f"{path}.{key}", nullable=False)


def _modalities(value: Any, path: str) -> None:
    if _array(value, path, nullable=True):
        for i, item in enumerate(value):
            _enum(item, f"{path}[{i}]", ("text", "audio"), nullable=False)


def _any_object(value: Any, path: str) -> None:
    _object(value, path, nullable=True)


def _plain_object(value: Any, path: str) -> None:
    _object(value, path)


def _prediction(value: Any, path: str) -> None:
    if _object(value, path, nullable=True):
        _enum(_required(value, "type", path), f"{path}.type", ("content",), nullable=False)
        _required(value, "content", path)


_PARAMS: dict[str, Callable[[Any, str], None]] = {
    "model": lambda v, p: _string(v, p),
    "messages": _messages,
    "metadata": validate_metadata,
    "temperature": lambda v, p: _range(v, p, 0, 2),
    "top_p": lambda v, p: _range(v, p, 0, 1),
    "frequency_penalty": lambda v, p: _range(v, p, -2, 2),
    "presence_penalty": lambda v, p: _range(v, p, -2, 2),
    "n": lambda v, p: _range(v, p, 1, 128, integer=True),
    "max_tokens": _positive_int,
    "max_completion_tokens": _positive_int,
    "top_logprobs": lambda v, p: _range(v, p, 0, 20, integer=True),
    "logprobs": _bool,
    "logit_bias": _logit_bias,
    "seed": lambda v, p: _range(v, p, -(2**63), 2**63 - 1, integer=True),
    "stop": _stop,
    "user": lambda v, p: _string(v, p),
    "safety_identifier": lambda v, p: _string(v, p, nullable=True, max_length=64),
    "prompt_cache_key": lambda v, p: _string(v, p, nullable=True),
    "prompt_cache_retention": lambda v, p: _enum(v, p, ("in_memory", "24h")),
    "prompt_cache_options": _any_object,
    "service_tier": lambda v, p: _enum(v, p, _SERVICE_TIERS),
    "reasoning_effort": lambda v, p: _enum(v, p, _REASONING_EFFORTS),
    "verbosity": lambda v, p: _enum(v, p, ("low", "medium", "high")),
    "modalities": _modalities,
    "store": _bool,
    "stream": _bool,
    "stream_options": _stream_options,
    "tools": _tools,
    "tool_choice": _tool_choice,
    "parallel_tool_calls": lambda v, p: _bool(v, p, nullable=False),
    "functions": _functions,
    "function_call": _function_call,
    "response_format": _response_format,
    "audio": _any_object,
    "web_search_options": _plain_object,
    "moderation": _any_object,
    "prediction": _prediction,
}

KNOWN_PARAMS = frozenset(_PARAMS)


def validate_create(body: Any, *, model_required: bool = True) -> None:
    """Raise :class:`APIError` (400, ``param`` set) unless ``body`` is a valid create request."""
    if not isinstance(body, dict):
        raise invalid(None, "The request body must be a JSON object.", "invalid_type")
    for key in ("model", "messages") if model_required else ("messages",):
        _required(body, key, "")
    for key, value in body.items():
        check = _PARAMS.get(key)
        if check is None:
            raise invalid(key, f"Unrecognized request argument supplied: {key}", "unknown_parameter")
        check(value, key)
    _cross_field_rules(body)


def _cross_field_rules(body: Mapping[str, Any]) -> None:
    if body.get("top_logprobs") is not None and body.get("logprobs") is not True:
        raise invalid(
            "top_logprobs",
            "Invalid 'top_logprobs': 'logprobs' must be set to true when 'top_logprobs' is used.",
            "invalid_value",
        )
    if body.get("stream_options") is not None and body.get("stream") is not True:
        raise invalid(
            "stream_options",
            "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
            "invalid_value",
        )
    tools = body.get("tools") or []
    choice = body.get("tool_choice")
    if choice is not None and choice != "none" and not tools:
        raise invalid(
            "tool_choice",
            "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.",
            "invalid_value",
        )
    if isinstance(choice, dict) and choice.get("type") in ("function", "custom"):
        kind = choice["type"]
        wanted = choice[kind]["name"]
        if not any(t.get("type") == kind and t[kind].get("name") == wanted for t in tools):
            raise invalid(
                f"tool_choice.{kind}.name",
                f"Invalid value for 'tool_choice': no {kind} tool named '{wanted}' in 'tools'.",
                "invalid_value",
            )
    names = [t[t["type"]]["name"] for t in tools]
    if len(set(names)) != len(names):
        raise invalid("tools", "Invalid 'tools': tool names must be unique.", "invalid_value")
    functions = body.get("functions") or []
    fc = body.get("function_call")
    if fc is not None and fc != "none" and not functions:
        raise invalid(
            "function_call",
            "Invalid value for 'function_call': 'function_call' is only allowed when 'functions' are specified.",
            "invalid_value",
        )
    if isinstance(fc, dict) and not any(f["name"] == fc["name"] for f in functions):
        raise invalid(
            "function_call.name",
            f"Invalid value for 'function_call': no function named '{fc['name']}' in 'functions'.",
            "invalid_value",
        )
    if "parallel_tool_calls" in body and not tools:
        raise invalid(
            "parallel_tool_calls",
            "Invalid value for 'parallel_tool_calls': only allowed when 'tools' are specified.",
            "invalid_value",
        )


def validate_update(body: Any) -> dict[str, str]:
    """The update body ``{"metadata": {...}}``; returns the new metadata (null means {})."""
    if not isinstance(body, dict):
        raise invalid(None, "The request body must be a JSON object.", "invalid_type")
    _required(body, "metadata", "")
    for key in body:
        if key != "metadata":
            raise invalid(key, f"Unrecognized request argument supplied: {key}", "unknown_parameter")
    validate_metadata(body["metadata"])
    return dict(body["metadata"] or {})


def list_params(query: Mapping[str, str], *, with_filters: bool) -> tuple[str | None, int, str]:
    """``after``, ``limit`` (1..100, default 20) and ``order`` (asc|desc) of a list route."""
    limit_raw = query.get("limit", "20")
    try:
        limit = int(limit_raw)
    except ValueError:
        raise invalid(
            "limit",
            f"Invalid type for 'limit': expected an integer, but got '{limit_raw}' instead.",
            "invalid_type",
        ) from None
    if not 1 <= limit <= 100:
        raise invalid(
            "limit",
            f"Invalid 'limit': expected a value between 1 and 100, but got {limit} instead.",
            "invalid_value",
        )
    order = query.get("order", "asc")
    if order not in ("asc", "desc"):
        raise invalid(
            "order",
            f"Invalid value for 'order': '{order}'. Supported values are: 'asc' and 'desc'.",
            "invalid_value",
        )
    return query.get("after") or None, limit, order


__all__ = [
    "APIError",
    "KNOWN_PARAMS",
    "list_params",
    "validate_create",
    "validate_metadata",
    "validate_update",
]
