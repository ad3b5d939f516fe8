"""Every request attribute declared once.

A :class:`Field` holds all that is known about one attribute of a chat completion request: its
Terraform name, type and description, the name the API gives it, what the API assumes when it is not
sent, whether it is a whole number, and how two of its values compare. Everything else is derived
from these declarations:

* the schema of the resource and the data sources (:func:`terraform_provider_openai.request.request_attributes`);
* the request body (:func:`terraform_provider_openai.request.build_request`);
* import and the data source's settings (:func:`terraform_provider_openai.request.settings_from_stored`);
* what plans a new completion and what is the same request written another way (:meth:`Field.same`,
  used by the resource's ``plan``).

Validation rules live in their own table (``rules``); :data:`BY_API_PATH` names every field, nested
ones too, by the API path such a table keys on (``tools[].function.parameters``).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from tf.schema import Attribute
from tf.types import TfType

from terraform_provider_openai.framework.schema import NestedAttribute, attribute
from terraform_provider_openai.framework.types import (
    Bool,
    List,
    Map,
    Number,
    Object,
    String,
    Unknown,
    contains_unknown,
)
from terraform_provider_openai.marker import CREATE_MARKER_KEY
from terraform_provider_openai.rules import (
    METADATA_MAX_KEY_LENGTH,
    METADATA_MAX_PAIRS,
    METADATA_MAX_PAIRS_STORED,
    METADATA_MAX_VALUE_LENGTH,
    NAME_MAX_LENGTH,
    REASONING_EFFORTS,
    SERVICE_TIERS,
    range_text,
)


class Compare(enum.Enum):
    """How two values of an attribute compare (besides null meaning the API default, see
    :attr:`Field.default`)."""

    #: equal values (numbers exactly: 0.1 is 0.1, 1 is 1.0)
    PLAIN = "plain"
    #: a model alias asks for the same model as its dated snapshot: `gpt-4o` in the configuration,
    #: `gpt-4o-2024-08-06` recorded by an import (the API names the snapshot that answered)
    MODEL = "model"
    #: a JSON document as a string (`jsonencode(...)`): equal by meaning, whatever the key order or
    #: whitespace (`{"b":1,"a":2}` is `{ "a": 2, "b": 1 }`)
    JSON = "json"


@dataclass(frozen=True)
class Field:
    """One request attribute (or one attribute of a nested object of the request)."""

    name: str
    description: str
    #: the Terraform type of a leaf; for a field with `fields` it is derived from them
    type: TfType | None = None
    #: the API's name for it (the request body's key); default: `name`
    api: str = ""
    #: what the API assumes when it is not sent: null and this value are the same request
    default: Any = None
    #: a whole number (sent as an integer: `n = 2` goes as 2, not 2.0); for a map, its values
    integer: bool = False
    compare: Compare = Compare.PLAIN
    #: required in the configuration (inside its parent object, for a nested field)
    required: bool = False
    #: the attributes of a nested object (or of each object of a list)
    fields: tuple[Field, ...] = ()
    #: with `fields`: one object or a list of objects
    nesting: Literal["list", "single"] = "single"
    #: with `fields`: an attribute of object type (`{ name = ..., arguments = ... }` with a fixed
    #: type) rather than a protocol-6 nested attribute (whose fields have their own flags)
    object_type: bool = False
    #: the API's body and stored shapes differ from the Terraform value (a name sent as an object,
    #: a JSON string sent as an object...): build_request and settings_from_stored convert it by
    #: hand. The others go to and come from the API as they are.
    converted: bool = False

    @property
    def api_name(self) -> str:
        return self.api or self.name

    # ---- schema ----------------------------------------------------------------------------
    def tf_type(self) -> TfType:
        if not self.fields:
            assert self.type is not None, self.name
            return self.type
        obj = Object(
            {f.name: f.tf_type() for f in self.fields},
            optional=[f.name for f in self.fields if not f.required],
        )
        return List(obj) if self.nesting == "list" else obj

    def attribute(self, computed: bool = False) -> Attribute:
        """Its schema attribute: as configured (required or optional), or computed (a data source's)."""
        flags = (
            {"computed": True} if computed else {"required": True} if self.required else {"optional": True}
        )
        if self.fields and not self.object_type:
            return NestedAttribute(
                self.name,
                [f.attribute(computed) for f in self.fields],
                nesting=self.nesting,
                description=self.description,
                **flags,
            )
        return attribute(self.name, self.tf_type(), self.description, **flags)

    # ---- comparison ------------------------------------------------------------------------
    def same(self, prior: Any, planned: Any) -> bool:
        """Whether `planned` asks the API for the same thing as `prior` (the state's value): then a
        change between them needs no new completion. Unknown values are never the same."""
        if prior is Unknown or planned is Unknown:
            return False
        if self.default is not None:
            prior = self.default if prior is None else prior
            planned = self.default if planned is None else planned
        if prior is None or planned is None:
            return prior is None and planned is None
        if self.fields:
            if self.nesting == "single":
                return self._same_object(prior, planned)
            return len(prior) == len(planned) and all(
                a is not Unknown and b is not Unknown and self._same_object(a, b)
                for a, b in zip(prior, planned, strict=True)
            )
        if contains_unknown(prior) or contains_unknown(planned):
            return False
        if self.compare is Compare.JSON and isinstance(prior, str) and isinstance(planned, str):
            return prior == planned or _same_json(prior, planned)
        if self.compare is Compare.MODEL and isinstance(prior, str) and isinstance(planned, str):
            return prior == planned or _snapshot_of(prior, planned)
        return _plain_equal(self.tf_type(), prior, planned)

    def _same_object(self, prior: dict[str, Any], planned: dict[str, Any]) -> bool:
        return all(f.same(prior.get(f.name), planned.get(f.name)) for f in self.fields)

    def walk(self, prefix: str = "") -> Iterator[tuple[str, Field]]:
        """(API path, field) of this field and every field nested in it: `tools`, `tools[].type`,
        `tools[].function`, `tools[].function.name`..."""
        path = f"{prefix}{self.api_name}"
        yield path, self
        step = "[]." if self.nesting == "list" else "."
        for f in self.fields:
            yield from f.walk(path + step)


def _plain_equal(t: TfType, a: Any, b: Any) -> bool:
    # the type's own equality: exact decimals for numbers, element-wise for lists and maps
    return bool(t.semantically_equal(a, b))


def _snapshot_of(prior: str, planned: str) -> bool:
    """`prior` is a dated snapshot (`gpt-4o-2024-08-06`) of the alias `planned` (`gpt-4o`)."""
    return prior.startswith(planned + "-") and prior[len(planned) + 1 : len(planned) + 2].isdigit()


def _same_json(a: str, b: str) -> bool:
    try:
        return _json_equal(json.loads(a), json.loads(b))
    except ValueError:
        return False


def _json_equal(a: Any, b: Any) -> bool:
    """JSON values equal by meaning: objects whatever their key order, numbers by value (1 is 1.0),
    but `true` is not `1` (as Python's == would have it)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and bool(a == b)


# ---------------------------------------------------------------------------------------------
# The declarations
# ---------------------------------------------------------------------------------------------
def _one_of(values: tuple[str, ...]) -> str:
    """`a`, `b` or `c`: the values a rule of the table allows, for a description."""
    quoted = [f"`{v}`" for v in values]
    return f"{', '.join(quoted[:-1])} or {quoted[-1]}"


_FUNCTION_NAME = f"Function name: 1-{NAME_MAX_LENGTH} letters, digits, `_` or `-`."


def _function_call(description: str) -> Field:
    return Field(
        "function_call",
        description,
        fields=(Field("name", "", String(), required=True), Field("arguments", "", String(), required=True)),
        object_type=True,
    )


MODEL = Field(
    "model", "ID of the model to use, such as `gpt-4o`.", String(), required=True, compare=Compare.MODEL
)

MESSAGES = Field(
    "messages",
    "The conversation so far, in order: `[{ role, content, name, function_call, tool_calls, tool_call_id }]`.",
    required=True,
    nesting="list",
    fields=(
        Field(
            "role",
            "Who wrote the message: `system`, `developer`, `user`, `assistant`, `function` or `tool`.",
            String(),
            required=True,
        ),
        Field(
            "content", "The message text (may be null for an assistant message that calls a tool).", String()
        ),
        Field("name", "Name of the author; required for role `function` (the function's name).", String()),
        _function_call(
            "Legacy: the function an assistant message called, `{ name, arguments }` (arguments as a JSON string)."
        ),
        Field(
            "tool_calls",
            'Tool calls of an assistant message: `[{ id, type = "function", function = { name, arguments } }]`.',
            nesting="list",
            object_type=True,
            fields=(
                Field("id", "", String(), required=True),
                # may be left out: it can only be "function", as in `tools`
                Field("type", "", String(), default="function"),
                Field(
                    "function",
                    "",
                    required=True,
                    object_type=True,
                    fields=(
                        Field("name", "", String(), required=True),
                        Field("arguments", "", String(), required=True),
                    ),
                ),
            ),
        ),
        Field("tool_call_id", "For role `tool`: the ID of the tool call this message answers.", String()),
    ),
)

_SCALARS: tuple[Field, ...] = (
    Field(
        "temperature",
        f"Sampling temperature, {range_text('temperature')}. Higher is more random.",
        Number(),
        default=1,
    ),
    Field(
        "top_p",
        f"Nucleus sampling: consider the tokens within this probability mass, {range_text('top_p')}.",
        Number(),
        default=1,
    ),
    Field("n", f"How many choices to generate, {range_text('n')}.", Number(), default=1, integer=True),
    Field(
        "max_tokens",
        "Upper bound of generated tokens (older models; see `max_completion_tokens`).",
        Number(),
        integer=True,
    ),
    Field(
        "max_completion_tokens",
        "Upper bound of generated tokens, reasoning tokens included.",
        Number(),
        integer=True,
    ),
    Field(
        "presence_penalty",
        f"{range_text('presence_penalty')}: positive values favour new topics.",
        Number(),
        default=0,
    ),
    Field(
        "frequency_penalty",
        f"{range_text('frequency_penalty')}: positive values discourage repeating the same line.",
        Number(),
        default=0,
    ),
    Field("logprobs", "Return log probabilities of the output tokens.", Bool(), default=False),
    Field(
        "top_logprobs",
        f"{range_text('top_logprobs')} most likely tokens to return at each position; needs `logprobs = true`.",
        Number(),
        integer=True,
    ),
    Field("seed", "Best-effort deterministic sampling seed.", Number(), integer=True),
    Field("user", "A stable identifier of your end user.", String()),
    Field(
        "reasoning_effort",
        f"Reasoning models: {_one_of(REASONING_EFFORTS)}.",
        String(),
    ),
    Field(
        "service_tier",
        f"Processing tier: {_one_of(SERVICE_TIERS)}.",
        String(),
        default="auto",
    ),
    Field(
        "parallel_tool_calls",
        "Allow several tool calls in one answer (only with `tools`).",
        Bool(),
        default=True,
    ),
    Field(
        "function_call",
        'Legacy: `none`, `auto` or the name of one of `functions` (sent as `{"name": ...}`).',
        String(),
        converted=True,
    ),
    Field(
        "tool_choice",
        "`none`, `auto`, `required` or the name of a function in `tools`.",
        String(),
        converted=True,
    ),
)


def _function_fields(parameters: str, strict: bool) -> tuple[Field, ...]:
    fields: tuple[Field, ...] = (
        Field("name", _FUNCTION_NAME, String(), required=True),
        Field("description", "What the function does; the model reads it.", String()),
        Field("parameters", parameters, String(), compare=Compare.JSON),
    )
    if strict:
        fields += (
            Field("strict", "Require the arguments to follow `parameters` exactly.", Bool(), default=False),
        )
    return fields


#: The request attributes the resource and the data source `openai_chat_completion` share (all but
#: `model`, `messages`, `store` and `metadata`), in schema order.
SETTINGS: tuple[Field, ...] = (
    Field(
        "functions",
        "Legacy function calling: functions the model may call (see `tools`).",
        nesting="list",
        converted=True,
        fields=_function_fields(
            "The arguments as a JSON Schema object, as a JSON string (`jsonencode({...})`).", strict=False
        ),
    ),
    Field(
        "tools",
        'Tools the model may call: `[{ type = "function", function = { name, description, parameters, strict } }]`.',
        nesting="list",
        converted=True,
        fields=(
            Field(
                "type", "Tool type; only `function`. Defaults to `function`.", String(), default="function"
            ),
            Field(
                "function",
                "The function the model may call.",
                required=True,
                fields=_function_fields(
                    "The arguments as a JSON Schema object, as a JSON string.", strict=True
                ),
            ),
        ),
    ),
    Field(
        "response_format",
        'Output format: `{ type = "json_object" }` or `{ type = "json_schema", json_schema = { name, schema, strict } }`.',
        converted=True,
        fields=(
            Field("type", "`text`, `json_object` or `json_schema`.", String(), required=True),
            Field(
                "json_schema",
                'For `type = "json_schema"`: the schema the answer follows.',
                fields=(
                    Field(
                        "name",
                        f"Name of the format: 1-{NAME_MAX_LENGTH} letters, digits, `_` or `-`.",
                        String(),
                        required=True,
                    ),
                    Field("description", "What the format is for.", String()),
                    Field(
                        "schema",
                        "The JSON Schema of the answer, as a JSON string (`jsonencode({...})`).",
                        String(),
                        compare=Compare.JSON,
                    ),
                    Field("strict", "Require the answer to follow `schema` exactly.", Bool(), default=False),
                ),
            ),
        ),
    ),
    Field("stop", "Up to 4 sequences where generation stops.", List(String()), converted=True),
    Field(
        "logit_bias",
        f"Token ID (as a string) to a bias from {range_text('logit_bias.*')}.",
        Map(Number()),
        integer=True,
        converted=True,
    ),
    *_SCALARS,
)

STORE = Field(
    "store",
    "Store the completion at the API (Chat Completions store) so it can be looked up, listed, "
    "updated and deleted. Destroying the resource deletes the stored completion.",
    Bool(),
    default=False,
)

METADATA = Field(
    "metadata",
    f"Key-value pairs (keys up to {METADATA_MAX_KEY_LENGTH} characters, values up to "
    f"{METADATA_MAX_VALUE_LENGTH}) kept with a stored completion and usable as list filters: up to "
    f"{METADATA_MAX_PAIRS}, or {METADATA_MAX_PAIRS_STORED} with `store = true` (the provider keeps one for "
    f"its create marker, `{CREATE_MARKER_KEY}`, which is reserved). Changing it updates the "
    "completion in place.",
    Map(String()),
)

#: Every attribute of the create request, in the resource's schema order.
FIELDS: tuple[Field, ...] = (MODEL, MESSAGES, *SETTINGS, STORE, METADATA)
BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}
#: Every field, nested ones too, by its API path (`temperature`, `tools[].function.parameters`):
#: what rules key on.
BY_API_PATH: dict[str, Field] = {path: f for top in FIELDS for path, f in top.walk()}
#: Settings sent and read back as they are (only whole numbers made integers): the rest are `converted`.
AS_IS: tuple[Field, ...] = tuple(f for f in SETTINGS if not f.converted and not f.fields)
#: What the API assumes for each top-level setting left out.
API_DEFAULTS: dict[str, Any] = {f.name: f.default for f in FIELDS if f.default is not None}
