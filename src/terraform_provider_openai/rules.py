"""The one rule table: every rule a Chat Completions request must follow, with the message users
see and where the rule comes from.

Three validators read it and must agree (``tests/agreement`` holds them to it):

* the provider, at plan time (:mod:`terraform_provider_openai.validation`): the table run over the
  request body the configuration would send, each problem mapped back to its attribute;
* the local server, on the wire (:mod:`terraform_provider_openai.localserver._validation`): the
  vendored spec checked with ``jsonschema``, then the same table;
* the module's HCL validations (``modules/chat_completion``), by the shared agreement cases.

Data first: a :class:`Rule` names a parameter of the request body by its path (``temperature``,
``messages[].content``, ``metadata.*`` for every value of a map, ``**`` for every string), a
check, the origin of the rule and, where the validators used to disagree, which side won and why.
Adding a rule is one row here plus its agreement cases. Each limit is written once, in this file.

Origins: ``spec`` (the vendored OpenAPI schema states it), ``api-doc`` (the API reference states it
in prose), ``api-behaviour`` (the API answers 400 although neither says so), ``provider`` (added
here for safety: what the API would accept but no one means, or what breaks the provider's own
mechanisms).
Scopes: ``request`` rules hold for every request, wherever it is checked; ``terraform`` rules for
Terraform inputs only (the provider and the module: the wire cannot show them, e.g. the reserved
metadata key the provider itself sends); ``wire`` rules only for raw requests (what a Terraform
schema cannot even express, e.g. unknown parameters).

Standard library only, plus :mod:`terraform_provider_openai.marker` and (lazily, for one wire rule)
:mod:`terraform_provider_openai.spec`: the provider and the local server both import it, and the
provider imports it at start-up.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, Literal

from terraform_provider_openai.marker import CREATE_MARKER_KEY

Origin = Literal["spec", "api-doc", "api-behaviour", "provider"]
Scope = Literal["request", "terraform", "wire"]
Step = str | int
ParamPath = tuple[Step, ...]

# ---- limits and vocabularies: each written once ---------------------------------------------------

#: Function, tool and response-format names (API reference: "a-z, A-Z, 0-9, underscores and dashes,
#: with a maximum length of 64").
NAME_MAX_LENGTH = 64
NAME_PATTERN = rf"^[a-zA-Z0-9_-]{{1,{NAME_MAX_LENGTH}}}$"
#: The API's limit for any string: "string too long. Expected a string with maximum length 10485760".
MAX_STRING_LENGTH = 10_485_760
#: Integers the API holds (64-bit). The spec writes these bounds rounded to floats.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
METADATA_MAX_PAIRS = 16
#: With ``store = true`` the provider adds its create marker (marker.py), leaving users one pair fewer.
METADATA_MAX_PAIRS_STORED = METADATA_MAX_PAIRS - 1
METADATA_MAX_KEY_LENGTH = 64
METADATA_MAX_VALUE_LENGTH = 512
#: "A max of 128 functions are supported" (the API reference, for `tools`; the spec's maxItems for
#: `functions`).
MAX_FUNCTIONS = 128
MAX_STOP_SEQUENCES = 4
#: A page of a list call.
LIST_MAX_LIMIT = 100

ROLES = ("system", "developer", "user", "assistant", "function", "tool")
REASONING_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh", "max")
SERVICE_TIERS = ("auto", "default", "flex", "scale", "priority", "fast")
RESPONSE_FORMAT_TYPES = ("text", "json_object", "json_schema")
ORDERS = ("asc", "desc")

#: C0 and C1 control characters and DEL: never part of a name, an ID or a key.
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: Zero-width and bidirectional formatting characters: invisible, they make one name look like another.
INVISIBLE_CHARS = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
#: Token IDs: not str.isdigit(), which also accepts "²" and other Unicode digits.
TOKEN_ID = re.compile(r"[0-9]+")

_NAME = re.compile(NAME_PATTERN)
_CONTROL_NAMES = {"\t": "TAB", "\n": "LINE FEED", "\r": "CARRIAGE RETURN", "\x00": "NUL", "\x7f": "DELETE"}
_JSON_KINDS = {dict: "object", list: "array", str: "string", bool: "boolean", int: "number", float: "number"}


class _Missing:
    """A field the request does not have (not even as null)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class NotJSON(str):
    """A JSON-string attribute (``parameters``, ``schema``) that does not parse: kept as its text,
    with the parser's complaint, so that the rule checking it can say why."""

    error: str

    def __new__(cls, text: str, error: str) -> NotJSON:
        obj = super().__new__(cls, text)
        obj.error = error
        return obj


def _never_unknown(value: Any) -> bool:
    return False


# ---- describing values ----------------------------------------------------------------------


def _exact(value: Any) -> Decimal:
    """A number as the exact decimal it stands for (an exact float's text when it has one)."""
    text = getattr(value, "text", None)  # framework.types.ExactFloat: the decimal Terraform sent
    if isinstance(text, str):
        return Decimal(text)
    return Decimal(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_whole(value: Any) -> bool:
    if isinstance(value, float) and not math.isfinite(value):
        return False
    try:
        exact = _exact(value)
    except (InvalidOperation, ValueError, TypeError):
        return False
    return exact.is_finite() and exact == exact.to_integral_value()


def _outside(value: Any, low: float, high: float) -> bool:
    """Whether a number lies outside [low, high], compared exactly (2**63 is not INT64_MAX)."""
    if isinstance(value, float) and not math.isfinite(value):
        return True
    exact = _exact(value)
    return not Decimal(low) <= exact <= Decimal(high)


def number_text(value: Any) -> str:
    """A number as the user wrote it: 2 (not 2.0), 0.7, 1e+300 (not 301 digits)."""
    text = getattr(value, "text", None)
    if isinstance(text, str):
        return text
    if isinstance(value, float) and math.isfinite(value) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**20:
        # Terraform sends 1e300 as its 301 digits: show it as exactly, but short
        digits = str(abs(value))
        mantissa = digits.rstrip("0")
        mantissa = mantissa[0] + ("." + mantissa[1:] if len(mantissa) > 1 else "")
        return f"{'-' if value < 0 else ''}{mantissa}e+{len(digits) - 1}"
    return str(value)


def describe_char(char: str) -> str:
    name = _CONTROL_NAMES.get(char) or unicodedata.name(char, "control character")
    return f"U+{ord(char):04X} ({name})"


def bad_char(value: str, invisible: bool = True) -> str | None:
    """The first control (or, with `invisible`, zero-width/bidi) character, described with its place."""
    found = [m for m in (CONTROL_CHARS.search(value), invisible and INVISIBLE_CHARS.search(value)) if m]
    if not found:
        return None
    first = min(found, key=lambda m: m.start())
    return f"{describe_char(first.group(0))} at position {first.start()}"


def shown(text: str) -> str:
    """A key or name as a message may show it: escaped when it holds control or invisible characters
    (a diagnostic must not reorder or hide text)."""
    return repr(text)[1:-1] if bad_char(text) else text


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    return _JSON_KINDS.get(type(value)) or next(
        (kind for t, kind in _JSON_KINDS.items() if isinstance(value, t)), type(value).__name__
    )


# ---- conditions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class When:
    """A condition on the object holding the field (the message for ``messages[].name``, the request
    for a top-level parameter): ``field`` is one of ``values`` (or, with ``negate``, is set and is
    none of them). A condition on a value not known yet skips the rule."""

    field: str
    values: tuple[Any, ...]
    negate: bool = False

    def holds(self, holder: Mapping[str, Any], unknown: Callable[[Any], bool]) -> bool | None:
        value = holder.get(self.field, MISSING)
        if unknown(value):
            return None
        if self.negate:
            return value is not MISSING and value is not None and value not in self.values
        return value is not MISSING and value in self.values

    def text(self) -> str:
        return f"{self.field} {'not ' if self.negate else ''}in {list(self.values)}"


@dataclass(frozen=True)
class Absent:
    """A condition: none of `fields` is set (null, missing or an empty list)."""

    fields: tuple[str, ...]

    def holds(self, holder: Mapping[str, Any], unknown: Callable[[Any], bool]) -> bool | None:
        values = [holder.get(f, MISSING) for f in self.fields]
        if any(unknown(v) for v in values):
            return None
        return all(v is MISSING or v is None or v == [] for v in values)

    def text(self) -> str:
        return f"no {', '.join(self.fields)}"


Condition = When | Absent


# ---- checks -----------------------------------------------------------------------------------


@dataclass
class Context:
    """What a check may look at besides its value."""

    body: Mapping[str, Any]
    holder: Mapping[str, Any]
    path: ParamPath
    unknown: Callable[[Any], bool]

    def known(self, value: Any) -> bool:
        return value is not MISSING and value is not None and not self.unknown(value)


#: One problem a check found: the path below the checked value, the message's arguments.
Problem = tuple[ParamPath, dict[str, Any]]


class Check:
    """What a rule checks. ``message`` is its default wording: ``{label}`` is the attribute (at plan)
    or parameter (on the wire) and the other fields come from the problem. ``code`` is the API's
    error code the local server answers with."""

    message: ClassVar[str]
    code: ClassVar[str] = "invalid_value"
    #: False: also called for a missing or null value (a check of presence)
    needs_value: ClassVar[bool] = True

    def problems(self, value: Any, ctx: Context) -> Iterator[Problem]:
        raise NotImplementedError

    def spec_limits(self) -> dict[str, Any]:
        """The JSON Schema keywords this check states (compared with the spec by the tests)."""
        return {}


@dataclass(frozen=True)
class Required(Check):
    message: ClassVar[str] = "{label} is required."
    code: ClassVar[str] = "missing_required_parameter"
    needs_value: ClassVar[bool] = False

    def problems(self, value: Any, ctx: Context) -> Iterator[Problem]:
        if value is MISSING or value is None:
            yield (), {}


@dataclass(frozen=True)
class Forbidden(Check):
    """Set (not null, not an empty list) where it means nothing."""

    message: ClassVar[str] = "{label} is not allowed here."
    code: ClassVar[str] = "unknown_parameter"

    def problems(self, value: Any, ctx: Context) -> Iterator[Problem]:
        if value != []:
            yield (), {}


@dataclass(frozen=True)
class Range(Check):
    low: float
    high: float
    integer: bool = False
    message: ClassVar[str] = "{label} must be {kind} between {low} and {high}, got {got}."

    def problems(self, value: Any, ctx: Context) -> Iterator[Problem]:
        if not _is_number(value):
            return
        if self.integer and not is_whole(value):
            yield (), {"got": number_text(value), "whole": False}
        elif _outside(value, self.low, self.high):
            kind = "a whole number" if self.integer else "a number"
            yield (), {"got": number_text(value), "kind": kind, "low": self.low, "high": self.high}

    def render(self, template: str, args: dict[str, Any]) -> str:
        if args.get("whole") is False:
            return "{label} must be a whole number, got {got}."
        return template

    def spec_limits(self) -> dict[str, Any]:
        return {"minimum": self.low, "maximum": self.high, **({"type": "integer"} if self.integer else {})}


@dataclass(frozen=True)
class AtLeast(Check):
    """A whole number from `low` up to the largest integer the API holds."""

    low: int
    message: ClassVar[str] = "{label} must be at least {low}, got {got}."

    def problems(self, value: Any, ctx: Context) -> Iterator[Problem]:
        if not _is_number(value):
            return
        if not is_whole(value):
            yield (), {"got": number_text(value), "whole": False}
        elif _outside(value, self.low, math.inf):
            yield (), {"got": number_text(value), "low": self.low}
        elif _outside(value, self.low, INT64_MAX):
            yield (), {"got": number_text(value), "too_big": True}

    def render(self, template: str, args: dict[str, Any]) -> str:
        if args.get("whole") is False:
            return "{label} must be a whole number, got {got}."
        if args.get("too_big"):
            return f"{{label}} must be at most {INT64_MAX} (the largest integer the API takes), got {{got}}."
        return template


@dataclass(frozen=True)
class OneOf(Check):
    values: tuple[str, ...]
    message: ClassVar[str] = "{label} must be one of {allowed}; got {value!r}."

    def problems(self, value: Any, ctx: Context) -> Iterator[Problem]:
        if isinstance(value, str) and value not in self.values:
            yield (), {"allowed": ", ".join(repr(v) for v in self.values)}

    def spec_limits(self) -> dict[str, Any]:
        return {"enum": list(self.values)}


@dataclass(frozen=True)
class Pattern(Check):
    pattern: str
    what: str
    message: ClassVar[str] = "{label} must be a {what}; got {value!r}."

    def problems(self, value: Any, ctx: Context) -> Iterator[Problem]:
        # fullmatch: `$` alone also matches before a final newline ("f\n")
        if isinstance(value, str) and not re.fullmatch(self.pattern.strip("^$"), value):
            yield (), {"what": self.what, "pattern": self.pattern}


@dataclass(frozen=True)
class Identifier(Check):
    """An ID the API matches exactly (a model, a name, a metadata key): not empty, no control or
    invisible characters, no surrounding whitespace. ``keys``: checks the keys of a map."""

    keys: bool = False
    message: ClassVar[str] = "{label} {subject}{problem}"

    def problems(self, value: Any, ctx: Context) -> Iterator[Problem]:
        items = list(value) if self.keys and isinstance(value, Mapping) else [value]
        subject = "keys " if self.keys else ""
        for item in items:
            if not isinstance(item, str):
                continue
            bad = bad_char(item)
            if item.strip() == "":
                problem = f"must not be empty{'' if item == '' else f'; got {item!r}'}."
            elif bad:
                problem = (
                    "must not contain control characters or invisible (zero-width, bidirectional) "
                    f"characters; found {bad} in {item!r}."
                )
            elif item != item.strip():
                problem = f"must not start or end with whitespace; got {item!r}."
            else:
                continue
            yield (), {"subject": subject, "problem": problem}
            return


@dataclass(frozen=True)
class NoControlChars(Check):
    """A free text that still must not hold control characters (`user`)."""

    message: ClassVar[str] = "{label} must not contain control characters; found {found} in {value!r}."

    def problems(self, value: Any, ctx: Context) -> Iterator[Problem]:
        found = bad_char(value, invisible=False) if isinstance(value, str) else None
        if found:
            yield (), {"found": found}


@dataclass(frozen=True)
class MaxLength(Check):
    limit: int
    message: ClassVar[str] = (
        "{label} is {length} characters long; the API takes strings of at most {limit} characters."
    )
    code: ClassVar[str] = "string_above_max_length"

    def problems(self, value: Any, ctx: Context) -> Iterator[Problem]:
        if isinstance(value, str) and len(value) > self.limit:
            yield (), {"length": len(value), "limit": self.limit}


@dataclass(frozen=True)
class EveryString(Check):
    """Every string inside the value (keys included) is at most `limit` characters long."""

    limit: int
    message: ClassVar[str] = (
        "{label} is {length} characters long; the API takes strings of at most {limit} characters."
    )
    code: ClassVar[str] = "string_above_max_length"

    def problems(self, value: Any, ctx: Context) -> Iterator[Problem]:
        stack: list[tuple[ParamPath, Any]] = [((), value)]
        while stack:
            path, item = stack.pop()
            if isinstance(item, str) and len(item) > self.limit:
                yield path, {"length": len(item), "limit": self.limit}
            elif isinstance(item, Mapping):
                for k, v in item.items():
                    if isinstance(k, str) and len(k) > self.limit:
                        yield path, {"length": len(k), "limit": self.limit}
                    stack.append(((*path, k), v))
            elif isinstance(item, list):
                stack.extend(((*path, i), v) for i, v in enumerate(item))


@dataclass(frozen=True)
class NotEmptyString(Check):
    message: ClassVar[str] = "{label} must not be an empty string."

    def problems(self, value: Any, ctx: Context) -> Iterator[Problem]:
        if value == "":
            yield (), {}


@dataclass(frozen=True)
class MinItems(Check):
    limit: int
    message: ClassVar[str] = "{label} must hold at least {limit} items when set, got {count}."
    code: ClassVar[str] = "empty_array"

    def problems(self, value: Any, ctx: Context) -> Iterator[Problem]:
        if isinstance(value, list) and len(value) < self.limit:
            yield (), {"limit": self.limit, "count": len(value)}

    def spec_limits(self) -> dict[str, Any]:
        return {"minItems": self.limit}


@dataclass(frozen=True)
class MaxItems(Check):
    limit: int
    message: ClassVar[str] = "{label} may hold at most {limit} items, got {count}."
    code: ClassVar[str] = "array_above_max_length"

    def problems(self, value: Any, ctx: Context) -> Iterator[Problem]:
        if isinstance(value, list) and len(value) > self.limit:
            yield (), {"limit": self.limit, "count": len(value)}

    def spec_limits(self) -> dict[str, Any]:
        return {"maxItems": self.limit}


@dataclass(frozen=True)
class MaxPairs(Check):
    limit: int
    message: ClassVar[str] = "{label} may hold at most {limit} key-value pairs, got {count}."
    code: ClassVar[str] = "object_above_max_properties"

    def problems(self, value: Any, ctx: Context) -> Iterator[Problem]:
        if isinstance(value, Mapping) and len(value) > self.limit:
            yield (), {"limit": self.limit, "count": len(value)}


@dataclass(frozen=True)
class KeyMaxLength(Check):
    limit: int
    message: ClassVar[str] = "{label} keys may be at most {limit} characters; {start!r}... has {length}."
    code: ClassVar[str] = "string_above_max_length"

    def problems(self, value: Any, ctx: Context) -> Iterator[Problem]:
        if not isinstance(value, Mapping):
            return
        for key in value:
            if isinstance(key, str) and len(key) > self.limit:
                yield (), {"limit": self.limit, "start": key[:20], "length": len(key)}
                return


@dataclass(frozen=True)
class ReservedKey(Check):
    key: str
    message: ClassVar[str] = "{label} is reserved."

    def problems(self, value: Any, ctx: Context) -> Iterator[Problem]:
        if isinstance(value, Mapping) and self.key in value:
            yield (self.key,), {"key": self.key}


@dataclass(frozen=True)
class TokenIdKeys(Check):
    message: ClassVar[str] = "{label} keys must be token IDs (whole numbers as strings); got {key!r}."

    def problems(self, value: Any, ctx: Context) -> Iterator[Problem]:
        if isinstance(value, Mapping):
            for key in value:
                if not (isinstance(key, str) and TOKEN_ID.fullmatch(key)):
                    yield (key,), {"key": key}


@dataclass(frozen=True)
class JsonObject(Check):
    """A JSON Schema (as a JSON string in Terraform, an object on the wire) must be a JSON object."""

    message: ClassVar[str] = "{label} must be a JSON object (a JSON Schema), got a JSON {kind}."
    code: ClassVar[str] = "invalid_type"
    needs_value: ClassVar[bool] = False  # `null` is JSON too

    def problems(self, value: Any, ctx: Context) -> Iterator[Problem]:
        if value is MISSING:
            return
        if isinstance(value, NotJSON):
            yield (), {"not_json": value.error}
        elif not isinstance(value, Mapping):
            yield (), {"kind": _json_kind(value)}

    def render(self, template: str, args: dict[str, Any]) -> str:
        if "not_json" in args:
            return (
                "{label} must be a JSON object (use jsonencode({{...}})); it is not valid JSON: {not_json}."
            )
        return template

    def spec_limits(self) -> dict[str, Any]:
        return {"type": "object"}


@dataclass(frozen=True)
class JsonSize(Check):
    """A JSON Schema whose JSON text is longer than the API's longest string."""

    limit: int
    message: ClassVar[str] = (
        "{label} is {length} characters long as JSON; the API takes strings of at most {limit} characters."
    )
    code: ClassVar[str] = "string_above_max_length"

    def problems(self, value: Any, ctx: Context) -> Iterator[Problem]:
        if isinstance(value, str):
            length = len(value)
        else:
            try:
                length = len(json.dumps(value, separators=(",", ":"), ensure_ascii=False))
            except (TypeError, ValueError):  # unknown values inside: not measurable yet
                return
        if length > self.limit:
            yield (), {"length": length, "limit": self.limit}


@dataclass(frozen=True)
class Unique(Check):
    """Items of a list have distinct `key` (a path inside each item); the first of `keys` present."""

    keys: tuple[tuple[str, ...], ...]
    message: ClassVar[str] = "{label} must be unique; {value!r} appears twice."

    def problems(self, value: Any, ctx: Context) -> Iterator[Problem]:
        if not isinstance(value, list):
            return
        seen: set[str] = set()
        for i, item in enumerate(value):
            for key in self.keys:
                found = _dig(item, key, ctx.unknown)
                if found is MISSING:
                    continue
                if isinstance(found, str):
                    if found in seen:
                        yield (i, *key), {"value": found}
                    seen.add(found)
                break


@dataclass(frozen=True)
class RequiresTrue(Check):
    """Allowed only with another top-level parameter set to true."""

    other: str
    message: ClassVar[str] = "{label} requires `{other} = true`."

    def problems(self, value: Any, ctx: Context) -> Iterator[Problem]:
        other = ctx.body.get(self.other, MISSING)
        if not ctx.unknown(other) and other is not True:
            yield (), {"other": self.other}


@dataclass(frozen=True)
class RequiresSet(Check):
    """Allowed only with another top-level parameter set (a non-empty list), `unless` the value is
    one of these."""

    other: str
    unless: tuple[str, ...] = ()
    message: ClassVar[str] = "{label} is only allowed when `{other}` is set."

    def problems(self, value: Any, ctx: Context) -> Iterator[Problem]:
        if isinstance(value, str) and value in self.unless:
            return
        other = ctx.body.get(self.other, MISSING)
        if not ctx.unknown(other) and (other is MISSING or other is None or other == []):
            yield (), {"other": self.other}


@dataclass(frozen=True)
class Declared(Check):
    """A name that must be one of the names declared in a top-level list (`tool_choice` names a
    function of `tools`). Skipped while any declared name is unknown."""

    declared: str
    key: tuple[str, ...]
    message: ClassVar[str] = "{label} names {value!r}, which is not one of `{declared}` ({names})."

    def problems(self, value: Any, ctx: Context) -> Iterator[Problem]:
        items = ctx.body.get(self.declared, MISSING)
        if not isinstance(value, str) or not isinstance(items, list):
            return
        names = []
        for item in items:
            if ctx.unknown(item):
                return
            name = _dig(item, self.key, ctx.unknown)
            if ctx.unknown(name):
                return
            if isinstance(name, str):
                names.append(name)
        if value not in names:
            yield (), {"declared": self.declared, "names": ", ".join(names)}


@dataclass(frozen=True)
class KnownParameters(Check):
    """Every key is a parameter of the request: `allowed`, or (None) the spec's create parameters."""

    allowed: tuple[str, ...] | None = None
    message: ClassVar[str] = "Unrecognized request argument supplied: {name}"
    code: ClassVar[str] = "unknown_parameter"

    def problems(self, value: Any, ctx: Context) -> Iterator[Problem]:
        if not isinstance(value, Mapping):
            return
        if self.allowed is None:
            from terraform_provider_openai import spec

            allowed: frozenset[str] | tuple[str, ...] = spec.request_parameters()
        else:
            allowed = self.allowed
        for key in value:
            if key not in allowed:
                yield (key,), {"name": key}
                return


def _dig(item: Any, key: tuple[str, ...], unknown: Callable[[Any], bool]) -> Any:
    for step in key:
        if unknown(item):
            return item
        if not isinstance(item, Mapping) or step not in item:
            return MISSING
        item = item[step]
    return item


# ---- the table --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One rule: `check` holds for the parameter at `param` (when every condition of `when` holds
    on the object holding it), else the request is refused with `message` (default: the check's)."""

    param: str
    check: Check
    origin: Origin
    why: str = ""
    when: tuple[Condition, ...] = ()
    message: str | None = None
    scope: Scope = "request"
    steps: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "steps", tuple(_steps(self.param)))

    def template(self) -> str:
        return self.message or self.check.message


def _steps(param: str) -> Iterator[str]:
    """``messages[].tool_calls[].id`` -> messages, [], tool_calls, [], id; ``metadata.*`` -> metadata, *."""
    for part in param.split(".") if param else []:
        name, brackets = part, 0
        while name.endswith("[]"):
            name, brackets = name[:-2], brackets + 1
        if name:
            yield name
        yield from ["[]"] * brackets


_NAME_RULE = f"1 to {NAME_MAX_LENGTH} letters, digits, underscores or dashes ({NAME_PATTERN})"
FUNCTION_NAME = f"function name of {_NAME_RULE}"


def _name_rules(param: str, what: str = FUNCTION_NAME, when: tuple[Condition, ...] = ()) -> list[Rule]:
    """A name the API matches exactly: no control or invisible characters (named as such), then the
    name pattern."""
    return [
        Rule(param, Identifier(), "provider", "named precisely before the pattern is applied", when),
        Rule(param, Pattern(NAME_PATTERN, what), "api-doc", when=when),
    ]


def _metadata_rules(param: str) -> list[Rule]:
    """The limits of a metadata map: of a create, an update, or a list filter."""
    return [
        Rule(
            param,
            MaxPairs(METADATA_MAX_PAIRS),
            "api-doc",
            "API reference, Metadata: a set number of key-value pairs",
        ),
        Rule(
            param,
            Identifier(keys=True),
            "provider",
            "metadata keys are matched exactly by list filters: an empty key, an invisible or a control "
            "character, or surrounding whitespace makes a key no one can filter by",
        ),
        Rule(
            param,
            KeyMaxLength(METADATA_MAX_KEY_LENGTH),
            "api-doc",
            "API reference, Metadata: keys are strings with a maximum length",
        ),
        Rule(
            f"{param}.*",
            Required(),
            "spec",
            "Metadata values are strings",
            message="{label} values must be strings; the value of {key!r} is null.",
        ),
        Rule(
            f"{param}.*",
            MaxLength(METADATA_MAX_VALUE_LENGTH),
            "api-doc",
            "API reference, Metadata: values are strings with a maximum length",
            message="{label} values may be at most {limit} characters; the value of {key!r} has {length}.",
        ),
    ]


_ROLE = "role"
_FUNCTION_ROLE = (When(_ROLE, ("function",)),)
_ASSISTANT_CALL = "messages[].tool_calls[]"
_JSON_SCHEMA = (When("type", ("json_schema",)),)
_FUNCTION_TOOL = (When("type", ("function",)),)
_STORED = (When("store", (True,)),)

CREATE: tuple[Rule, ...] = (
    # ---- model and messages
    Rule("model", Required(), "spec"),
    Rule(
        "model",
        Identifier(),
        "provider",
        "a blank model, or one with control/invisible characters or surrounding whitespace, names no "
        "model (the API answers 'invalid model ID'); the provider refused it, the server now does too",
    ),
    Rule("messages", Required(), "spec"),
    Rule("messages", MinItems(1), "spec", message="{label} must contain at least one message."),
    Rule("messages[].role", Required(), "spec"),
    Rule("messages[].role", OneOf(ROLES), "spec"),
    Rule(
        "messages[].content",
        Required(),
        "spec",
        when=(When(_ROLE, ("system", "developer", "user", "tool")),),
        message="{label} is required for a message with role {holder[role]!r}.",
    ),
    Rule(
        "messages[].content",
        Required(),
        "api-doc",
        "'content: required unless tool_calls or function_call is specified' (assistant message); the "
        "spec leaves it optional and the server accepted it, the API refuses it: the provider's rule wins",
        when=(When(_ROLE, ("assistant",)), Absent(("tool_calls", "function_call"))),
        message="{label} is required for an assistant message without tool_calls or function_call.",
    ),
    Rule(
        "messages[].name",
        Required(),
        "spec",
        "a function message may have null content (the spec: required but nullable), so the module's "
        "rule that it needs content is gone; it does need the function's name",
        when=_FUNCTION_ROLE,
        message="{label} is required for a message with role 'function' (the function's name).",
    ),
    Rule("messages[].name", Identifier(), "provider", "the author's name is matched exactly"),
    Rule("messages[].name", Pattern(NAME_PATTERN, FUNCTION_NAME), "api-doc", when=_FUNCTION_ROLE),
    Rule(
        "messages[].tool_call_id",
        Required(),
        "spec",
        when=(When(_ROLE, ("tool",)),),
        message="{label} is required for a message with role 'tool'.",
    ),
    Rule(
        "messages[].tool_call_id",
        Forbidden(),
        "provider",
        "the spec ignores unknown message fields and the server accepted it; a tool_call_id anywhere "
        "but on a tool message answers nothing, so the provider's rule wins",
        when=(When(_ROLE, ("tool",), negate=True),),
        message="{label} is only allowed on messages with role 'tool', not {holder[role]!r}.",
    ),
    Rule("messages[].tool_call_id", Identifier(), "provider", "matched exactly against a tool call's ID"),
    Rule(
        "messages[].tool_calls",
        Forbidden(),
        "provider",
        "only an assistant message carries the calls the model made",
        when=(When(_ROLE, ("assistant",), negate=True),),
        message="{label} is only allowed on messages with role 'assistant', not {holder[role]!r}.",
    ),
    Rule(
        "messages[].function_call",
        Forbidden(),
        "provider",
        "only an assistant message carries the call the model made",
        when=(When(_ROLE, ("assistant",), negate=True),),
        message="{label} is only allowed on messages with role 'assistant', not {holder[role]!r}.",
    ),
    Rule(
        "messages[].function_call.name",
        Required(),
        "spec",
        message="{label} is required (the name of the function called).",
    ),
    *_name_rules("messages[].function_call.name"),
    Rule(
        "messages[].function_call.arguments",
        Required(),
        "spec",
        message='{label} is required: the arguments as a JSON string ("{{}}" for none).',
    ),
    Rule(
        f"{_ASSISTANT_CALL}.id",
        Required(),
        "spec",
        message="{label} is required (the ID a later tool message answers).",
    ),
    Rule(
        f"{_ASSISTANT_CALL}.id", Identifier(), "provider", "matched exactly by the tool message answering it"
    ),
    Rule(
        f"{_ASSISTANT_CALL}.type",
        OneOf(("function",)),
        "provider",
        "Terraform's tool_calls hold function calls only (the spec also has custom calls)",
        scope="terraform",
    ),
    Rule(
        f"{_ASSISTANT_CALL}.function",
        Required(),
        "spec",
        when=_FUNCTION_TOOL,
        message="{label} is required: `{{ name, arguments }}`.",
    ),
    Rule(
        f"{_ASSISTANT_CALL}.function.name",
        Required(),
        "spec",
        message="{label} is required (the name of the function called).",
    ),
    *_name_rules(f"{_ASSISTANT_CALL}.function.name"),
    Rule(
        f"{_ASSISTANT_CALL}.function.arguments",
        Required(),
        "spec",
        message='{label} is required: the arguments as a JSON string ("{{}}" for none).',
    ),
    # ---- functions (legacy) and tools
    Rule("functions", MinItems(1), "spec", message="{label} must contain at least one function when set."),
    Rule(
        "functions",
        MaxItems(MAX_FUNCTIONS),
        "spec",
        "the provider had no limit and let 129 functions through; the spec's wins",
        message="{label} may hold at most {limit} functions, got {count}.",
    ),
    Rule(
        "functions",
        Unique((("name",),)),
        "api-behaviour",
        "the API refuses two functions of one name; the server let them through",
    ),
    Rule("functions[].name", Required(), "spec"),
    *_name_rules("functions[].name"),
    Rule("functions[].parameters", JsonObject(), "spec"),
    Rule(
        "functions[].parameters",
        JsonSize(MAX_STRING_LENGTH),
        "provider",
        "a JSON Schema as long as the API's longest string",
    ),
    Rule(
        "function_call",
        RequiresSet("functions", unless=("none",)),
        "api-behaviour",
        "'none' needs no functions (the provider refused it, the server and the API accept it)",
    ),
    Rule("function_call", OneOf(("none", "auto")), "spec"),
    *_name_rules("function_call.name"),
    Rule(
        "function_call.name",
        Declared("functions", ("name",)),
        "api-behaviour",
        "the API refuses a function_call naming no declared function",
    ),
    Rule(
        "tools",
        MinItems(1),
        "api-behaviour",
        "'empty array' (the spec states no minimum)",
        message="{label} must contain at least one tool when set.",
    ),
    Rule(
        "tools",
        MaxItems(MAX_FUNCTIONS),
        "api-doc",
        "API reference, tools: 'a max of ... functions are supported'; the server had no limit and let "
        "one more through",
        message="{label} may hold at most {limit} tools, got {count}.",
    ),
    Rule(
        "tools",
        Unique((("function", "name"), ("custom", "name"))),
        "api-behaviour",
        "the API refuses two tools of one name",
    ),
    Rule(
        "tools[].type",
        OneOf(("function",)),
        "provider",
        "Terraform's tools are function tools only (the spec also has custom tools)",
        scope="terraform",
    ),
    Rule("tools[].function", Required(), "spec", when=_FUNCTION_TOOL),
    Rule("tools[].function.name", Required(), "spec"),
    *_name_rules("tools[].function.name"),
    Rule("tools[].function.parameters", JsonObject(), "spec"),
    Rule(
        "tools[].function.parameters",
        JsonSize(MAX_STRING_LENGTH),
        "provider",
        "a JSON Schema as long as the API's longest string",
    ),
    *_name_rules("tools[].custom.name", f"tool name of {_NAME_RULE}"),
    Rule(
        "tool_choice",
        RequiresSet("tools", unless=("none",)),
        "api-behaviour",
        "'tool_choice is only allowed when tools are specified'",
    ),
    Rule("tool_choice", OneOf(("none", "auto", "required")), "spec"),
    *_name_rules("tool_choice.function.name"),
    Rule(
        "tool_choice.function.name",
        Declared("tools", ("function", "name")),
        "api-behaviour",
        "the API refuses a tool_choice naming no declared tool",
        message="{label} names {value!r}, which is not a function in `tools` ({names}).",
    ),
    Rule(
        "tool_choice.custom.name",
        Declared("tools", ("custom", "name")),
        "api-behaviour",
        message="{label} names {value!r}, which is not a custom tool in `tools` ({names}).",
    ),
    Rule(
        "parallel_tool_calls",
        RequiresSet("tools"),
        "api-behaviour",
        "'parallel_tool_calls is only allowed when tools are specified'",
    ),
    # ---- response_format
    Rule("response_format.type", Required(), "spec"),
    Rule("response_format.type", OneOf(RESPONSE_FORMAT_TYPES), "spec"),
    Rule(
        "response_format.json_schema",
        Required(),
        "spec",
        when=_JSON_SCHEMA,
        message="{label} is required when response_format.type is 'json_schema'.",
    ),
    Rule(
        "response_format.json_schema",
        Forbidden(),
        "provider",
        "ignored by the other types: the server accepted it, the provider's rule wins (a schema that "
        "is not applied is a mistake)",
        when=(When("type", ("json_schema",), negate=True),),
        message="{label} is only allowed when response_format.type is 'json_schema', not {holder[type]!r}.",
    ),
    Rule("response_format.json_schema.name", Required(), "spec"),
    *_name_rules("response_format.json_schema.name", f"schema name of {_NAME_RULE}"),
    Rule("response_format.json_schema.schema", JsonObject(), "spec"),
    Rule(
        "response_format.json_schema.schema",
        JsonSize(MAX_STRING_LENGTH),
        "provider",
        "a JSON Schema as long as the API's longest string",
    ),
    # ---- sampling
    Rule("temperature", Range(0, 2), "spec"),
    Rule("top_p", Range(0, 1), "spec"),
    Rule("n", Range(1, 128, integer=True), "spec"),
    Rule("presence_penalty", Range(-2, 2), "spec"),
    Rule("frequency_penalty", Range(-2, 2), "spec"),
    Rule(
        "max_tokens",
        AtLeast(1),
        "api-behaviour",
        "'integer below minimum value' for 0; at most the largest integer the API holds",
    ),
    Rule("max_completion_tokens", AtLeast(1), "api-behaviour", "as max_tokens"),
    Rule(
        "seed",
        Range(INT64_MIN, INT64_MAX, integer=True),
        "spec",
        "the spec rounds the int64 bounds to floats: the exact ones",
    ),
    Rule("top_logprobs", Range(0, 20, integer=True), "spec"),
    Rule(
        "top_logprobs",
        RequiresTrue("logprobs"),
        "api-doc",
        "'logprobs must be set to true if this parameter is used'",
    ),
    Rule(
        "stop",
        MinItems(1),
        "spec",
        message=f"{{label}} must hold 1 to {MAX_STOP_SEQUENCES} sequences when set (leave it out for none).",
    ),
    Rule(
        "stop",
        MaxItems(MAX_STOP_SEQUENCES),
        "spec",
        message="{label} may hold at most {limit} sequences, got {count}.",
    ),
    Rule(
        "stop[]",
        NotEmptyString(),
        "api-behaviour",
        "an empty stop sequence stops nothing the API can match; the provider refused it, the server "
        "now does too",
    ),
    Rule(
        "logit_bias",
        TokenIdKeys(),
        "api-doc",
        "'maps tokens (specified by their token ID in the tokenizer)': IDs are whole numbers from 0, "
        "written with ASCII digits only (the server took '-1' and '50256\\n')",
    ),
    Rule(
        "logit_bias.*",
        Range(-100, 100, integer=True),
        "api-doc",
        "API reference: 'an associated bias value from' the bounds",
    ),
    Rule("reasoning_effort", OneOf(REASONING_EFFORTS), "spec"),
    Rule("service_tier", OneOf(SERVICE_TIERS), "spec"),
    Rule(
        "user",
        NoControlChars(),
        "provider",
        "a free string (an e-mail, a hash, a name in any script, bidi marks included), but never a "
        "line break or other control character; the module refused an empty user, which the API "
        "takes: the provider's rule wins",
    ),
    # ---- metadata: what the provider adds on stored completions first, then the API's limits
    Rule(
        "metadata",
        ReservedKey(CREATE_MARKER_KEY),
        "provider",
        "the provider sets it on stored completions to make their create exactly-once; on the wire it "
        "is the provider's own key, so only Terraform inputs are checked",
        message=f"{{label}} is reserved: the provider sets {CREATE_MARKER_KEY!r} on stored completions to make "
        "their create exactly-once. Use another key.",
        scope="terraform",
    ),
    Rule(
        "metadata",
        MaxPairs(METADATA_MAX_PAIRS_STORED),
        "provider",
        "the provider's create marker takes one of the pairs (on the wire, the API's limit counts it)",
        when=_STORED,
        message=f"{{label}} may hold at most {{limit}} key-value pairs with `store = true` (the API allows "
        f"{METADATA_MAX_PAIRS}; the provider adds {CREATE_MARKER_KEY!r} to make the create exactly-once), "
        "got {count}.",
        scope="terraform",
    ),
    *_metadata_rules("metadata"),
    # ---- every string; raw requests only
    Rule("**", EveryString(MAX_STRING_LENGTH), "api-behaviour", "'string too long'"),
    Rule("", KnownParameters(), "api-behaviour", "'Unrecognized request argument supplied'", scope="wire"),
    Rule(
        "stream_options",
        RequiresTrue("stream"),
        "api-behaviour",
        "'The stream_options parameter is only allowed when stream is enabled'",
        scope="wire",
    ),
)

UPDATE: tuple[Rule, ...] = (
    Rule("metadata", Required(), "spec"),
    *_metadata_rules("metadata"),
    Rule("", KnownParameters(("metadata",)), "api-behaviour", "only metadata can change", scope="wire"),
)

LIST: tuple[Rule, ...] = (
    Rule("order", OneOf(ORDERS), "spec"),
    Rule(
        "limit",
        AtLeast(1),
        "provider",
        "the provider's `limit` is the total to list (it pages through), so it has no maximum",
        scope="terraform",
    ),
    Rule(
        "limit",
        Range(1, LIST_MAX_LIMIT, integer=True),
        "api-behaviour",
        "a page holds at most LIST_MAX_LIMIT items",
        scope="wire",
    ),
    *_metadata_rules("metadata"),
)


# ---- the engine -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Violation:
    """A broken rule: where (the parameter's path in the request body) and what to say."""

    rule: Rule
    path: ParamPath
    args: Mapping[str, Any]

    @property
    def code(self) -> str:
        return self.rule.check.code

    def text(self, label: str) -> str:
        """The message, naming the attribute or parameter as `label`."""
        template = self.rule.template()
        render = getattr(self.rule.check, "render", None)
        if render is not None:
            template = render(template, dict(self.args))
        return template.format(label=label, **self.args)


def range_text(param: str) -> str:
    """`low to high` of the create rule bounding `param`: for descriptions, so a range is written once."""
    for rule in CREATE:
        if rule.param == param and isinstance(rule.check, Range):
            return f"{number_text(rule.check.low)} to {number_text(rule.check.high)}"
    raise KeyError(param)


def param_label(path: ParamPath) -> str:
    """A parameter path as the API names it: ``messages[1].content``, ``metadata.team``."""
    out = ""
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        else:
            out += ("." if out else "") + step
    return out


def check(
    body: Any,
    rules: tuple[Rule, ...] = CREATE,
    *,
    scopes: tuple[Scope, ...] = ("request",),
    unknown: Callable[[Any], bool] = _never_unknown,
) -> list[Violation]:
    """Every broken rule of `rules` (of `scopes`) in a request body, in the table's order, at most one
    per parameter (the first). Values for which `unknown` is true (not known yet) are skipped, and so
    are rules whose conditions depend on them."""
    if not isinstance(body, Mapping) or unknown(body):
        return []
    found: list[Violation] = []
    broken: set[ParamPath] = set()
    for rule in rules:
        if rule.scope not in scopes:
            continue
        steps = rule.steps
        if steps and steps[0] not in _WILDCARDS and (len(steps) > 1 or rule.check.needs_value):
            # most rules are about a parameter the body does not have: skip them without walking
            top = body.get(steps[0])
            if top is None:
                continue
        for path, value, holder in _select(body, steps, (), body, unknown):
            if unknown(value) or (rule.check.needs_value and (value is MISSING or value is None)):
                continue
            verdicts = [c.holds(holder, unknown) for c in rule.when]
            if not all(verdicts):
                continue
            ctx = Context(body, holder, path, unknown)
            for sub, args in rule.check.problems(value, ctx):
                where = (*path, *sub)
                if where in broken:
                    continue
                broken.add(where)
                last = where[-1] if where else ""
                found.append(Violation(rule, where, {"value": value, "key": last, "holder": holder, **args}))
    return found


#: Path steps that are not a field name: every element of a list, every field, the value itself.
_WILDCARDS = frozenset({"[]", "*", "**"})


def _select(
    node: Any,
    steps: tuple[str, ...],
    path: ParamPath,
    holder: Mapping[str, Any],
    unknown: Callable[[Any], bool],
) -> Iterator[tuple[ParamPath, Any, Mapping[str, Any]]]:
    """(path, value, the object holding it) for every value `steps` reach; the last step may reach a
    missing field (MISSING)."""
    if not steps:
        yield path, node, holder
        return
    if node is MISSING or node is None or unknown(node):
        return
    step, rest = steps[0], steps[1:]
    if step == "**":
        yield path, node, holder
    elif step == "[]":
        if isinstance(node, list):
            for i, item in enumerate(node):
                if not unknown(item):
                    yield from _select(item, rest, (*path, i), holder, unknown)
    elif step == "*":
        if type(node) is dict or isinstance(node, Mapping):  # a dict first: the ABC check is slow
            for key, item in node.items():
                yield from _select(item, rest, (*path, key), node, unknown)
    elif type(node) is dict or isinstance(node, Mapping):
        yield from _select(node.get(step, MISSING), rest, (*path, step), node, unknown)
