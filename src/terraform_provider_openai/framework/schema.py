"""Schema pieces `tf` lacks: protocol-6 nested attributes and full-schema state helpers."""

from __future__ import annotations

from typing import Any, Literal

from tf.gen import tfplugin_pb2 as pb
from tf.schema import Attribute, Schema, TextFormat

from terraform_provider_openai.framework.gen import tfplugin6_8_pb2 as wire
from terraform_provider_openai.framework.types import List, Object

_NESTING = {"list": pb.Schema.Object.NestingMode.LIST, "single": pb.Schema.Object.NestingMode.SINGLE}


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
        return pb.Schema.Attribute(
            name=self.name,
            nested_type=pb.Schema.Object(
                attributes=[a.to_pb() for a in self.nested_attributes],
                nesting=_NESTING[self.nesting],
            ),
            description=self.description or "",
            description_kind=pb.StringKind.MARKDOWN,
            required=bool(self.required),
            optional=bool(self.optional),
            computed=bool(self.computed),
            sensitive=bool(self.sensitive),
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


def complete_state(schema: Schema, state: dict[str, Any] | None) -> dict[str, Any] | None:
    """Every attribute of the schema present (null where the resource did not say), nothing else."""
    if state is None:
        return None
    return {a.name: state.get(a.name) for a in schema.attributes}


def encode_state(schema: Schema, state: dict[str, Any] | None) -> dict[str, Any] | None:
    full = complete_state(schema, state)
    if full is None:
        return None
    return {a.name: a.type.encode(full[a.name]) for a in schema.attributes}


def decode_state(schema: Schema, raw: dict[str, Any] | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    return {a.name: a.type.decode(raw.get(a.name)) for a in schema.attributes}
