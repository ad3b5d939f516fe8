"""Nested attributes as protocol-6 nested types, and full-schema state."""

from __future__ import annotations

import json

import pytest
from tf.gen import tfplugin_pb2 as pb
from tf.schema import Schema

from terraform_provider_openai.framework.schema import (
    NestedAttribute,
    attribute,
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
    assert encode_state(schema, {"a": "x", "extra": 1}) == {"a": "x", "n": None}
    assert encode_state(schema, {"n": 0.25}) == {"a": None, "n": "0.25"}
    assert encode_state(schema, None) is None


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


# ---- Terraform 1.0: nested attributes as object-typed attributes -------------------------------


def _messages_pb(monkeypatch: pytest.MonkeyPatch, **env: str) -> pb.Schema.Attribute:
    for name in ("TF_TEMP_LOG_PATH", "TF_PANICWRAP_STDERR", "TF_PROVIDER_OPENAI_LEGACY_SCHEMA"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    schema = ChatCompletionResource.get_schema()
    [messages] = [a for a in schema.attributes if a.name == "messages"]
    result: pb.Schema.Attribute = messages.to_pb()
    return result


def test_modern_terraform_gets_nested_attributes(monkeypatch: pytest.MonkeyPatch) -> None:
    attr = _messages_pb(monkeypatch)
    assert attr.HasField("nested_type") and not attr.type


def test_a_panicwrap_era_terraform_gets_object_types_optional_only_at_the_top(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Terraform 1.0.0-1.0.8 crash at plan on nested attributes (objchange.proposedNewNestedType);
    1.0.x run under panicwrap, which hands TF_TEMP_LOG_PATH to its plugins; 1.1+ does not."""
    attr = _messages_pb(monkeypatch, TF_TEMP_LOG_PATH="/tmp/x")
    assert not attr.HasField("nested_type") and attr.required
    kind, element = json.loads(attr.type)
    assert kind == "list" and element[0] == "object"
    assert "content" in element[2] and "role" not in element[2]  # the message's own optional fields
    tool_calls = element[1]["tool_calls"]
    assert tool_calls == ["list", ["object", tool_calls[1][1]]]  # no optional markers inside
    assert not _messages_pb(monkeypatch, TF_TEMP_LOG_PATH="/x", TF_PROVIDER_OPENAI_LEGACY_SCHEMA="0").type
    assert _messages_pb(monkeypatch, TF_PROVIDER_OPENAI_LEGACY_SCHEMA="1").type
