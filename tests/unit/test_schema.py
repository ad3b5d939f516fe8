"""Nested attributes as protocol-6 nested types, and full-schema state."""

from __future__ import annotations

from tf.gen import tfplugin_pb2 as pb
from tf.schema import Schema

from terraform_provider_openai.framework.schema import (
    NestedAttribute,
    attribute,
    complete_state,
    encode_state,
)
from terraform_provider_openai.framework.types import Number, String
from terraform_provider_openai.resources.chat_completion import ChatCompletionResource


def test_list_nested_attribute_to_pb() -> None:
    attr = NestedAttribute(
        "messages",
        [
            attribute("role", String(), "who", required=True),
            attribute("content", String(), "text", optional=True),
            attribute("secret", String(), "s", optional=True, sensitive=True),
        ],
        description="the conversation",
        required=True,
    )
    out = attr.to_pb()
    assert out.name == "messages"
    assert out.required and not out.optional and not out.computed
    assert out.description == "the conversation"
    assert out.nested_type.nesting == pb.Schema.Object.NestingMode.LIST
    fields = {a.name: a for a in out.nested_type.attributes}
    assert fields["role"].required and not fields["role"].optional
    assert fields["content"].optional and not fields["content"].required
    assert fields["secret"].sensitive
    assert not out.type  # a nested attribute has no plain type


def test_single_nested_attribute_to_pb() -> None:
    attr = NestedAttribute(
        "fmt", [attribute("type", String(), "t", required=True)], nesting="single", optional=True
    )
    out = attr.to_pb()
    assert out.nested_type.nesting == pb.Schema.Object.NestingMode.SINGLE
    assert out.optional


def test_state_always_has_every_attribute() -> None:
    schema = Schema(
        attributes=[
            attribute("a", String(), "a", optional=True),
            attribute("n", Number(), "n", computed=True),
        ]
    )
    assert complete_state(schema, {"a": "x", "extra": 1}) == {"a": "x", "n": None}
    assert encode_state(schema, {"n": 0.25}) == {"a": None, "n": "0.25"}
    assert complete_state(schema, None) is None


def test_resource_schema_is_described_and_serialisable() -> None:
    schema = ChatCompletionResource.get_schema()
    for attr in schema.attributes:
        assert attr.description, attr.name
        attr.to_pb()  # every attribute renders
    names = {a.name for a in schema.attributes}
    assert {
        "model",
        "messages",
        "keepers",
        "metadata",
        "id",
        "content",
        "choices",
        "usage",
        "message",
    } <= names
