"""Plan-time checks of a chat completion request, shared by the resource and the data sources.

Every rule the API states (in its schema or only in prose) is checked here, before any request is
sent. A value that is not known yet (it comes from another resource) is skipped, never rejected.
Each problem names the attribute, with the element index for list elements, in the summary too,
because Terraform points a diagnostic inside a list at the whole list.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from tf.types import Unknown
from tf.utils import Diagnostics

from terraform_provider_openai.framework.types import ExactFloat
from terraform_provider_openai.marker import CREATE_MARKER_KEY

# Patterns are used with fullmatch(): `$` also matches before a final newline ("f\n").
NAME_PATTERN = re.compile(r"[a-zA-Z0-9_-]{1,64}")
ROLES = ("system", "developer", "user", "assistant", "function", "tool")
REASONING_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh", "max")
SERVICE_TIERS = ("auto", "default", "flex", "scale", "priority", "fast")
TOKEN_ID = re.compile(r"[0-9]+")  # not str.isdigit(): that also accepts "²" and other Unicode digits
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_JSON_TYPES = {dict: "object", list: "array", str: "string", int: "number", float: "number", bool: "boolean"}
RESPONSE_FORMAT_TYPES = ("text", "json_object", "json_schema")
METADATA_MAX_PAIRS = 16
# With `store = true` the provider adds its create marker (marker.py), leaving users one pair fewer.
METADATA_MAX_PAIRS_STORED = METADATA_MAX_PAIRS - 1
METADATA_MAX_KEY = 64
METADATA_MAX_VALUE = 512
ORDERS = ("asc", "desc")
# The API's limit for any string: "string too long. Expected a string with maximum length 10485760".
MAX_STRING_LENGTH = 10_485_760

# C0 and C1 control characters and DEL: never part of a name, an ID or a key.
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Zero-width and bidirectional formatting characters: invisible, they make one name look like another.
INVISIBLE_CHARS = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_CONTROL_NAMES = {"\t": "TAB", "\n": "LINE FEED", "\r": "CARRIAGE RETURN", "\x00": "NUL", "\x7f": "DELETE"}

Path = list[Any]


def known(value: Any) -> bool:
    return value is not None and value is not Unknown


def _describe(char: str) -> str:
    name = _CONTROL_NAMES.get(char) or unicodedata.name(char, "control character")
    return f"U+{ord(char):04X} ({name})"


def _bad_char(value: str, invisible: bool = True) -> str | None:
    """The first control (or, with `invisible`, zero-width/bidi) character, described with its place."""
    found = [m for m in (CONTROL_CHARS.search(value), invisible and INVISIBLE_CHARS.search(value)) if m]
    if not found:
        return None
    first = min(found, key=lambda m: m.start())
    return f"{_describe(first.group(0))} at position {first.start()}"


def _is_whole(value: Any) -> bool:
    if isinstance(value, ExactFloat):
        exact = Decimal(value.text)
        return exact.is_finite() and exact == exact.to_integral_value()
    if isinstance(value, float):
        return math.isfinite(value) and value.is_integer()
    return isinstance(value, int)


def _exceeds(value: Any, low: float, high: float) -> bool:
    """Whether a number lies outside [low, high], compared exactly (2**63 is not INT64_MAX)."""
    if isinstance(value, float) and not math.isfinite(value):
        return True
    exact = Decimal(value.text) if isinstance(value, ExactFloat) else Decimal(value)
    return not Decimal(low) <= exact <= Decimal(high)


def _label(path: Path) -> str:
    out = ""
    for step in path:
        if isinstance(step, tuple):
            key = str(step[0])
            # a hostile key is shown escaped: a diagnostic's summary must not reorder or hide text
            out += f"[{repr(key)[1:-1] if _bad_char(key) else key}]"
        else:
            out += ("." if out else "") + step
    return out


class Checker:
    """Collects diagnostics for one configuration."""

    def __init__(self, diags: Diagnostics):
        self.diags = diags

    def error(self, path: Path, problem: str) -> None:
        label = _label(path)
        # Terraform cannot follow a path into a nested attribute's element and then points at the
        # whole resource block; the top-level attribute gets it the right lines. The full location
        # is in the summary and the detail.
        self.diags.add_error(f"Invalid {label}", f"{label} {problem}", path=path[:1])

    # ---- scalar rules ------------------------------------------------------------------------
    def number_range(self, value: Any, path: Path, low: float, high: float, integer: bool = False) -> None:
        if not known(value):
            return
        if integer and not _is_whole(value):
            self.error(path, f"must be a whole number, got {_n(value)}.")
        elif _exceeds(value, low, high):
            kind = "a whole number" if integer else "a number"
            self.error(path, f"must be {kind} between {_n(low)} and {_n(high)}, got {_n(value)}.")

    def at_least(self, value: Any, path: Path, low: int, high: int = INT64_MAX) -> None:
        """A whole number from `low`; at most `high` (default: the largest integer the API holds)."""
        if not known(value):
            return
        if not _is_whole(value):
            self.error(path, f"must be a whole number, got {_n(value)}.")
        elif _exceeds(value, low, math.inf):
            self.error(path, f"must be at least {low}, got {_n(value)}.")
        elif _exceeds(value, low, high):
            self.error(
                path, f"must be at most {_n(high)} (the largest integer the API takes), got {_n(value)}."
            )

    def one_of(self, value: Any, path: Path, allowed: Sequence[str]) -> None:
        if known(value) and value not in allowed:
            self.error(path, f"must be one of {', '.join(repr(a) for a in allowed)}; got {value!r}.")

    def not_empty(self, value: Any, path: Path) -> None:
        if known(value) and value.strip() == "":
            self.error(path, "must not be empty.")

    def identifier(self, value: Any, path: Path, subject: str = "") -> bool:
        """An ID the API matches exactly (a model, a name, a metadata key): not empty, no control or
        invisible characters, no surrounding whitespace. True when it passed. `subject` words the
        message for the elements of the attribute ("keys ")."""
        if not known(value):
            return True
        bad = _bad_char(value)
        if value.strip() == "":
            self.error(path, f"{subject}must not be empty{'' if value == '' else f'; got {value!r}'}.")
        elif bad:
            self.error(
                path,
                f"{subject}must not contain control characters or invisible (zero-width, bidirectional) "
                f"characters; found {bad} in {value!r}.",
            )
        elif value != value.strip():
            self.error(path, f"{subject}must not start or end with whitespace; got {value!r}.")
        else:
            return True
        return False

    def no_control_chars(self, value: Any, path: Path) -> None:
        """A free text that still must not hold control characters (`user`)."""
        bad = _bad_char(value, invisible=False) if known(value) else None
        if bad:
            self.error(path, f"must not contain control characters; found {bad} in {value!r}.")

    def max_length(self, value: Any, path: Path, limit: int = MAX_STRING_LENGTH) -> None:
        if known(value) and isinstance(value, str) and len(value) > limit:
            self.error(
                path,
                f"is {len(value)} characters long; the API takes strings of at most {limit} characters.",
            )

    def name(self, value: Any, path: Path, what: str = "name") -> None:
        if known(value) and self.identifier(value, path) and not NAME_PATTERN.fullmatch(value):
            self.error(
                path,
                f"must be a {what} of 1 to 64 letters, digits, underscores or dashes (^[a-zA-Z0-9_-]{{1,64}}$); got {value!r}.",
            )

    def json_object(self, value: Any, path: Path) -> None:
        """A JSON Schema given as a string (as `jsonencode(...)` makes it) must be a JSON object."""
        if not known(value):
            return
        try:
            parsed = json.loads(value)
        except ValueError as exc:
            self.error(path, f"must be a JSON object (use jsonencode({{...}})); it is not valid JSON: {exc}.")
            return
        if not isinstance(parsed, dict):
            kind = "null" if parsed is None else _JSON_TYPES.get(type(parsed), type(parsed).__name__)
            self.error(path, f"must be a JSON object (a JSON Schema), got a JSON {kind}.")

    def metadata(self, value: Any, path: Path, store: Any = None, filter: bool = False) -> None:
        """Metadata of a create (`store` as configured) or, with `filter`, a list filter (which may
        name the reserved create marker, to look completions up by it)."""
        if not known(value):
            return
        stored = store is True and not filter
        limit = METADATA_MAX_PAIRS_STORED if stored else METADATA_MAX_PAIRS
        if len(value) > limit:
            why = (
                f" with `store = true` (the API allows {METADATA_MAX_PAIRS}; the provider adds "
                f"{CREATE_MARKER_KEY!r} to make the create exactly-once)"
                if stored
                else ""
            )
            self.error(path, f"may hold at most {limit} key-value pairs{why}, got {len(value)}.")
        for key, item in value.items():
            if not self.identifier(key, path, "keys "):
                continue
            key_path = [*path, (key,)]
            if len(key) > METADATA_MAX_KEY:
                self.error(
                    path,
                    f"keys may be at most {METADATA_MAX_KEY} characters; {key[:20]!r}... has {len(key)}.",
                )
            elif key == CREATE_MARKER_KEY and not filter:
                self.error(
                    key_path,
                    f"is reserved: the provider sets {CREATE_MARKER_KEY!r} on stored completions to make "
                    "their create exactly-once. Use another key.",
                )
            if item is None:
                self.error(key_path, f"values must be strings; the value of {key!r} is null.")
            if known(item) and len(item) > METADATA_MAX_VALUE:
                self.error(
                    key_path,
                    f"values may be at most {METADATA_MAX_VALUE} characters; the value of {key!r} has {len(item)}.",
                )


def _n(value: Any) -> str:
    """A number as the user wrote it: 2 (not 2.0), 0.7, 1e+300 (not 301 digits)."""
    if isinstance(value, ExactFloat):
        return value.text
    if isinstance(value, float) and math.isfinite(value) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**20:
        # Terraform sends 1e300 as its 301 digits: show it as exactly, but short
        digits = str(abs(value))
        mantissa = digits.rstrip("0")
        mantissa = mantissa[0] + ("." + mantissa[1:] if len(mantissa) > 1 else "")
        return f"{'-' if value < 0 else ''}{mantissa}e+{len(digits) - 1}"
    return str(value)


def _items(value: Any) -> list[tuple[int, Any]]:
    if not known(value):
        return []
    return [(i, item) for i, item in enumerate(value) if known(item)]


def validate_messages(c: Checker, messages: Any) -> None:
    if not known(messages):
        return
    if len(messages) == 0:
        c.error(["messages"], "must contain at least one message.")
        return
    for i, m in _items(messages):
        base: Path = ["messages", (i,)]
        role = m.get("role")
        c.one_of(role, [*base, "role"], ROLES)
        content, name = m.get("content"), m.get("name")
        tool_calls, function_call = m.get("tool_calls"), m.get("function_call")
        tool_call_id = m.get("tool_call_id")
        if role in ("system", "developer", "user", "tool") and content is None:
            c.error([*base, "content"], f"is required for a message with role {role!r}.")
        if role == "function":
            if name is None:
                c.error(
                    [*base, "name"], "is required for a message with role 'function' (the function's name)."
                )
            else:
                c.name(name, [*base, "name"], "function name")
        elif name is not None:
            c.identifier(name, [*base, "name"])
        c.max_length(content, [*base, "content"])
        c.identifier(tool_call_id, [*base, "tool_call_id"])
        if role == "assistant" and content is None and not tool_calls and function_call is None:
            c.error(
                [*base, "content"],
                "is required for an assistant message without tool_calls or function_call.",
            )
        if role == "tool" and tool_call_id is None:
            c.error([*base, "tool_call_id"], "is required for a message with role 'tool'.")
        if known(role) and role != "tool" and known(tool_call_id):
            c.error([*base, "tool_call_id"], f"is only allowed on messages with role 'tool', not {role!r}.")
        if known(role) and role != "assistant" and known(tool_calls) and tool_calls:
            c.error(
                [*base, "tool_calls"], f"is only allowed on messages with role 'assistant', not {role!r}."
            )
        if known(role) and role != "assistant" and known(function_call):
            c.error(
                [*base, "function_call"], f"is only allowed on messages with role 'assistant', not {role!r}."
            )
        if known(function_call):
            _called_function(c, function_call, [*base, "function_call"])
        for j, call in _items(tool_calls):
            fn = call.get("function")
            if call.get("id") is None:
                c.error(
                    [*base, "tool_calls", (j,), "id"], "is required (the ID a later tool message answers)."
                )
            c.identifier(call.get("id"), [*base, "tool_calls", (j,), "id"])
            c.one_of(call.get("type"), [*base, "tool_calls", (j,), "type"], ("function",))
            if fn is None:
                c.error([*base, "tool_calls", (j,), "function"], "is required: `{ name, arguments }`.")
            elif known(fn):
                _called_function(c, fn, [*base, "tool_calls", (j,), "function"])


def _called_function(c: Checker, call: dict[str, Any], path: Path) -> None:
    """A function call an assistant made: `{ name, arguments }`, both required by the API."""
    if call.get("name") is None:
        c.error([*path, "name"], "is required (the name of the function called).")
    c.name(call.get("name"), [*path, "name"], "function name")
    if call.get("arguments") is None:
        c.error([*path, "arguments"], 'is required: the arguments as a JSON string ("{}" for none).')
    c.max_length(call.get("arguments"), [*path, "arguments"])


def validate_functions(c: Checker, functions: Any, function_call: Any) -> None:
    names: list[str] = []
    for i, fn in _items(functions):
        base: Path = ["functions", (i,)]
        c.name(fn.get("name"), [*base, "name"], "function name")
        c.max_length(fn.get("description"), [*base, "description"])
        c.max_length(fn.get("parameters"), [*base, "parameters"])
        c.json_object(fn.get("parameters"), [*base, "parameters"])
        if known(fn.get("name")):
            if fn["name"] in names:
                c.error([*base, "name"], f"must be unique; {fn['name']!r} appears twice.")
            names.append(fn["name"])
    if known(functions) and len(functions) == 0:
        c.error(["functions"], "must contain at least one function when set.")
    if not known(function_call):
        return
    if functions is None:
        c.error(["function_call"], "is only allowed when `functions` is set.")
    elif function_call not in ("none", "auto"):
        c.name(function_call, ["function_call"], "function name, 'none' or 'auto'")
        if (
            known(functions)
            and all(known(fn.get("name")) for _, fn in _items(functions))
            and function_call not in names
        ):
            c.error(
                ["function_call"],
                f"names {function_call!r}, which is not one of `functions` ({', '.join(names)}).",
            )


def validate_tools(c: Checker, tools: Any, tool_choice: Any, parallel_tool_calls: Any) -> None:
    names: list[str] = []
    for i, tool in _items(tools):
        base: Path = ["tools", (i,)]
        c.one_of(tool.get("type"), [*base, "type"], ("function",))
        fn = tool.get("function")
        if not known(fn):
            continue
        c.name(fn.get("name"), [*base, "function", "name"], "function name")
        c.max_length(fn.get("description"), [*base, "function", "description"])
        c.max_length(fn.get("parameters"), [*base, "function", "parameters"])
        c.json_object(fn.get("parameters"), [*base, "function", "parameters"])
        if known(fn.get("name")):
            if fn["name"] in names:
                c.error([*base, "function", "name"], f"must be unique; {fn['name']!r} appears twice.")
            names.append(fn["name"])
    if known(tools) and len(tools) > 128:
        c.error(["tools"], f"may hold at most 128 tools, got {len(tools)}.")
    if known(tools) and len(tools) == 0:
        c.error(["tools"], "must contain at least one tool when set.")
    if known(parallel_tool_calls) and tools is None:
        c.error(["parallel_tool_calls"], "is only allowed when `tools` is set.")
    if not known(tool_choice):
        return
    if tools is None and tool_choice != "none":
        c.error(["tool_choice"], "is only allowed when `tools` is set.")
    elif tool_choice not in ("none", "auto", "required"):
        c.name(tool_choice, ["tool_choice"], "function name, 'none', 'auto' or 'required'")
        if (
            known(tools)
            and all(known(t.get("function")) and known(t["function"].get("name")) for _, t in _items(tools))
            and tool_choice not in names
        ):
            c.error(
                ["tool_choice"],
                f"names {tool_choice!r}, which is not a function in `tools` ({', '.join(names)}).",
            )


def validate_response_format(c: Checker, rf: Any) -> None:
    if not known(rf):
        return
    kind = rf.get("type")
    c.one_of(kind, ["response_format", "type"], RESPONSE_FORMAT_TYPES)
    schema = rf.get("json_schema")
    if kind == "json_schema" and schema is None:
        c.error(["response_format", "json_schema"], "is required when response_format.type is 'json_schema'.")
    if known(kind) and kind != "json_schema" and known(schema):
        c.error(
            ["response_format", "json_schema"],
            f"is only allowed when response_format.type is 'json_schema', not {kind!r}.",
        )
    if known(schema):
        c.name(schema.get("name"), ["response_format", "json_schema", "name"], "schema name")
        c.max_length(schema.get("description"), ["response_format", "json_schema", "description"])
        c.max_length(schema.get("schema"), ["response_format", "json_schema", "schema"])
        c.json_object(schema.get("schema"), ["response_format", "json_schema", "schema"])


def validate_sampling(c: Checker, config: dict[str, Any]) -> None:
    c.number_range(config.get("temperature"), ["temperature"], 0, 2)
    c.number_range(config.get("top_p"), ["top_p"], 0, 1)
    c.number_range(config.get("n"), ["n"], 1, 128, integer=True)
    c.number_range(config.get("presence_penalty"), ["presence_penalty"], -2, 2)
    c.number_range(config.get("frequency_penalty"), ["frequency_penalty"], -2, 2)
    c.at_least(config.get("max_tokens"), ["max_tokens"], 1)
    c.at_least(config.get("max_completion_tokens"), ["max_completion_tokens"], 1)
    c.number_range(config.get("seed"), ["seed"], INT64_MIN, INT64_MAX, integer=True)
    stop = config.get("stop")
    if known(stop):
        if len(stop) > 4:
            c.error(["stop"], f"may hold at most 4 sequences, got {len(stop)}.")
        elif len(stop) == 0:
            c.error(["stop"], "must hold 1 to 4 sequences when set (leave it out for none).")
        for i, seq in _items(stop):
            if seq == "":
                c.error(["stop", (i,)], "must not be an empty string.")
    bias = config.get("logit_bias")
    if known(bias):
        for token, value in bias.items():
            if not TOKEN_ID.fullmatch(token):
                c.error(
                    ["logit_bias", (token,)],
                    f"keys must be token IDs (whole numbers as strings); got {token!r}.",
                )
            c.number_range(value, ["logit_bias", (token,)], -100, 100, integer=True)
    top_logprobs = config.get("top_logprobs")
    c.number_range(top_logprobs, ["top_logprobs"], 0, 20, integer=True)
    logprobs = config.get("logprobs")
    if known(top_logprobs) and logprobs is not Unknown and logprobs is not True:
        c.error(["top_logprobs"], "requires `logprobs = true`.")
    c.one_of(config.get("reasoning_effort"), ["reasoning_effort"], REASONING_EFFORTS)
    c.one_of(config.get("service_tier"), ["service_tier"], SERVICE_TIERS)
    # `user` is a free string (an e-mail, a hash, a name in any script, bidi marks included): only
    # control characters are refused
    c.no_control_chars(config.get("user"), ["user"])
    c.metadata(config.get("metadata"), ["metadata"], store=config.get("store"))


def validate_request(diags: Diagnostics, config: dict[str, Any]) -> None:
    """Every rule of a create request, over the resource's configuration."""
    c = Checker(diags)
    c.identifier(config.get("model"), ["model"])
    validate_messages(c, config.get("messages"))
    validate_functions(c, config.get("functions"), config.get("function_call"))
    validate_tools(c, config.get("tools"), config.get("tool_choice"), config.get("parallel_tool_calls"))
    validate_response_format(c, config.get("response_format"))
    validate_sampling(c, config)


def validate_listing(diags: Diagnostics, config: dict[str, Any], *, max_limit: int | None = None) -> None:
    """`order`, `limit` and `metadata` of the list data sources."""
    c = Checker(diags)
    c.one_of(config.get("order"), ["order"], ORDERS)
    c.at_least(config.get("limit"), ["limit"], 1)
    if max_limit is not None:
        c.number_range(config.get("limit"), ["limit"], 1, max_limit, integer=True)
    c.metadata(config.get("metadata"), ["metadata"], filter=True)


Validator = Callable[[Diagnostics, dict[str, Any]], None]
