"""Schema pieces `tf` lacks: protocol-6 nested attributes and full-schema state helpers."""

from __future__ import annotations

import json
import os
from typing import Any, Literal

from tf.gen import tfplugin_pb2 as pb
from tf.schema import Attribute, Schema, TextFormat

from terraform_provider_openai.framework.gen import tfplugin6_8_pb2 as wire
from terraform_provider_openai.framework.types import List, Object

_NESTING = {"list": pb.Schema.Object.NestingMode.LIST, "single": pb.Schema.Object.NestingMode.SINGLE}

#: ``1`` forces the legacy schema shape (see :func:`legacy_schema`), ``0`` forbids it.
LEGACY_SCHEMA_ENV = "TF_PROVIDER_OPENAI_LEGACY_SCHEMA"
#: Terraform 0.14 to 1.0 run themselves under panicwrap, which hands these to every plugin they
#: start; Terraform 1.1 dropped panicwrap (hashicorp/terraform#29825), so no later version sets them.
_PANICWRAP_ENV = ("TF_TEMP_LOG_PATH", "TF_PANICWRAP_STDERR")


def legacy_schema() -> bool:
    """Whether nested attributes must be declared as plain object-typed attributes.

    Terraform 1.0.0-1.0.8 crash at plan on a resource with a protocol-6 nested attribute
    (``panic: interface conversion`` in ``objchange.proposedNewNestedType``, fixed in 1.0.9 by
    hashicorp/terraform#29701 after #29411 and #29580). The provider cannot ask Terraform its
    version before the schema is read (only ConfigureProvider, later, carries it), but the
    Terraforms with those bugs are panicwrap-era ones, recognisable by the environment they pass
    on. ``TF_PROVIDER_OPENAI_LEGACY_SCHEMA`` overrides the guess either way."""
    forced = os.environ.get(LEGACY_SCHEMA_ENV, "").strip()
    if forced:
        return forced not in ("0", "false", "no")
    return any(os.environ.get(name) for name in _PANICWRAP_ENV)


def _without_inner_optional(t: Any, depth: int = 0) -> Any:
    """The cty type (JSON form) with optional-attribute markers kept only on the attribute's own
    object (or list element object). Terraform 1.0 types a null it decodes from the provider with
    the declared type, markers included, but a null it converts from the configuration without
    them, and then finds the two unequal ("planned value ... does not match config value")."""
    if isinstance(t, list) and t and t[0] == "object":
        attrs = {name: _without_inner_optional(a, depth + 1) for name, a in t[1].items()}
        return ["object", attrs, t[2]] if depth == 0 and len(t) > 2 else ["object", attrs]
    if isinstance(t, list) and len(t) == 2 and t[0] in ("list", "set", "map"):
        return [t[0], _without_inner_optional(t[1], depth)]
    return t


class NestedAttribute(Attribute):
    """An attribute holding an object (``single``) or a list of objects (``list``) whose fields have
    their own required/optional/computed/sensitive flags and descriptions.

    In HCL it is written ``messages = [{ role = "user", content = "hi" }]``; unlike a nested block it
    keeps its order, can be null and can be set from an expression.
    """

    def __init__(
        self,
        name: str,
        attributes: list[Attribute],
        nesting: Literal["list", "single"] = "list",
        description: str | None = None,
        required: bool = False,
        optional: bool = False,
        computed: bool = False,
        sensitive: bool = False,
        requires_replace: bool | None = None,
    ):
        self.nested_attributes = attributes
        self.nesting = nesting
        obj = Object(
            {a.name: a.type for a in attributes},
            optional=[a.name for a in attributes if a.optional or (a.computed and not a.required)],
        )
        super().__init__(
            name,
            List(obj) if nesting == "list" else obj,
            description=description,
            required=required,
            optional=optional,
            computed=computed,
            sensitive=sensitive,
            requires_replace=requires_replace,
        )

    def to_pb(self) -> pb.Schema.Attribute:
        if legacy_schema():
            return self._legacy_pb()
        return pb.Schema.Attribute(
            name=self.name,
            nested_type=pb.Schema.Object(
                attributes=[a.to_pb() for a in self.nested_attributes],
                nesting=_NESTING[self.nesting],
            ),
            **self._pb_flags(),
        )

    def _pb_flags(self) -> dict[str, Any]:
        return {
            "description": self.description or "",
            "description_kind": pb.StringKind.MARKDOWN,
            "required": bool(self.required),
            "optional": bool(self.optional),
            "computed": bool(self.computed),
            "sensitive": bool(self.sensitive),
        }

    def _legacy_pb(self) -> pb.Schema.Attribute:
        """For Terraform 1.0: the same value type, written the same way in HCL, as an attribute of
        object type. What is lost: the fields' own descriptions, and on objects inside the objects
        (``tool_calls``, ``tools[].function``, ``response_format.json_schema``) optional fields,
        which must then be written out (``null`` will do)."""
        legacy_type = _without_inner_optional(json.loads(self.type.tf_type()))
        return pb.Schema.Attribute(
            name=self.name,
            type=json.dumps(legacy_type, separators=(",", ":")).encode(),
            **self._pb_flags(),
        )


def schema_to_wire(schema: Schema) -> wire.Schema:
    """The schema as the tfplugin6.8 message the servicer sends. `tf`'s ``Schema.to_pb`` (which
    calls each attribute's ``to_pb``, ours included) builds `tf`'s older generated message; the two
    have the same wire format, so the bytes carry over unchanged."""
    message: wire.Schema = wire.Schema.FromString(schema.to_pb().SerializeToString())
    return message


def attribute(name: str, type: Any, description: str, **flags: Any) -> Attribute:
    """An attribute whose description is Markdown (every attribute of this provider is described)."""
    return Attribute(name, type, description=description, description_kind=TextFormat.Markdown, **flags)


# Both run for every state of every call: a null (most attributes are) is not handed to its type,
# which would give it back unchanged.


def encode_state(schema: Schema, state: dict[str, Any] | None) -> dict[str, Any] | None:
    """Every attribute of the schema (null where the resource said nothing, nothing else), each
    value in its wire form."""
    if state is None:
        return None
    get = state.get
    return {a.name: v if (v := get(a.name)) is None else a.type.encode(v) for a in schema.attributes}


def decode_state(schema: Schema, raw: dict[str, Any] | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    get = raw.get
    return {a.name: v if (v := get(a.name)) is None else a.type.decode(v) for a in schema.attributes}
