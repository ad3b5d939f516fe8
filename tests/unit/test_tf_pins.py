"""What `framework/` takes from the `tf` package, pinned (see framework/README.md).

`tf` is pinned to one version in pyproject.toml; these tests say which of its behaviours the
framework inherits or works around, so that a new `tf` release is checked against them before the
pin moves. Two kinds:

* behaviour we rely on (inherited RPCs, attributes we read, hooks we override);
* `tf` behaviour we replace, pinned so that the reason for the replacement stays true (when one of
  these fails, `tf` has changed: the framework's replacement may be removable, see the README).
"""

from __future__ import annotations

import copy
from importlib.metadata import version
from typing import Any

import msgpack
from tf import types as tf_types
from tf.gen import tfplugin_pb2 as pb
from tf.schema import Attribute, Schema
from tf.utils import Diagnostics, read_dynamic_value, to_dynamic_value

from terraform_provider_openai.framework.diagnostics import WireDiagnostics
from terraform_provider_openai.framework.gen import tfplugin6_8_pb2 as wire
from terraform_provider_openai.framework.schema import NestedAttribute, schema_to_wire
from terraform_provider_openai.provider import OpenAIProvider


def test_tf_is_the_pinned_version() -> None:
    assert version("tf") == "1.2.0"


# ---- relied on -----------------------------------------------------------------------------------


def test_schema_to_pb_carries_over_to_the_tfplugin6_8_schema_byte_for_byte() -> None:
    """The servicer sends `tf`'s Schema.to_pb re-read as framework/gen's message (schema_to_wire)."""
    provider = OpenAIProvider()
    schemas = [provider.get_provider_schema(Diagnostics())]
    schemas += [k.get_schema() for k in (*provider.get_resources(), *provider.get_data_sources())]
    schemas += [k.get_schema() for k in provider.get_ephemeral_resources()]
    for schema in schemas:
        old = schema.to_pb()
        new = schema_to_wire(schema)
        assert new.SerializeToString() == old.SerializeToString()
        assert [a.name for a in new.block.attributes] == [a.name for a in schema.attributes]


def test_schema_to_pb_calls_each_attributes_to_pb() -> None:
    """NestedAttribute overrides `to_pb` to emit a protocol-6 nested attribute."""
    nested = NestedAttribute("m", [Attribute("role", tf_types.String(), required=True)], optional=True)
    block = Schema(version=0, attributes=[nested]).to_pb().block
    assert block.attributes[0].nested_type.nesting == pb.Schema.Object.NestingMode.LIST
    assert block.attributes[0].nested_type.attributes[0].name == "role"


def test_attribute_keeps_the_flags_the_framework_reads() -> None:
    a = Attribute(
        "x", tf_types.String(), description="d", optional=True, computed=True, requires_replace=True
    )
    assert (a.name, a.description, a.required, a.optional, a.computed, a.sensitive, a.requires_replace) == (
        "x",
        "d",
        False,
        True,
        True,
        False,
        True,
    )


def test_collection_types_expose_their_element_type_and_set_is_a_list() -> None:
    element = tf_types.String()
    assert tf_types.List(element).element_type is element
    assert tf_types.Map(element).element_type is element
    assert issubclass(tf_types.Set, tf_types.List)  # statecheck checks a Set as a list


def test_unknown_is_one_object_even_through_copies() -> None:
    assert copy.copy(tf_types.Unknown) is tf_types.Unknown
    assert copy.deepcopy([tf_types.Unknown])[0] is tf_types.Unknown


def test_diagnostics_keep_severity_summary_detail_and_path_where_wire_diagnostics_read_them() -> None:
    diags = WireDiagnostics().add_error("s", "d", path=["messages", (1,), "content"]).add_warning("w")
    (error, warning) = diags.diagnostics
    assert (error.severity, error.summary, error.detail, error.path) == (
        "error",
        "s",
        "d",
        ["messages", (1,), "content"],
    )
    assert (warning.severity, warning.summary, warning.detail, warning.path) == ("warning", "w", "", None)
    assert [m.SerializeToString() for m in diags.to_pb()] == [
        m.SerializeToString() for m in Diagnostics.to_pb(diags)
    ]


def test_diagnostics_carry_summary_detail_and_attribute_path() -> None:
    diags = Diagnostics().add_error("s", "d", path=["messages"]).add_warning("w")
    error, warning = diags.to_pb()
    assert diags.has_errors()
    assert (error.severity, error.summary, error.detail) == (pb.Diagnostic.ERROR, "s", "d")
    assert [step.attribute_name for step in error.attribute.steps] == ["messages"]
    assert warning.severity == pb.Diagnostic.WARNING


def test_go_plugin_services_are_generated() -> None:
    from tf.gen import grpc_controller_pb2, grpc_controller_pb2_grpc, grpc_stdio_pb2_grpc

    assert hasattr(grpc_controller_pb2_grpc, "add_GRPCControllerServicer_to_server")
    assert hasattr(grpc_stdio_pb2_grpc, "add_GRPCStdioServicer_to_server")
    assert grpc_controller_pb2.Empty


# ---- replaced (the reason for each replacement) -------------------------------------------------


def test_tf_number_hands_over_terraforms_decimal_strings_as_strings() -> None:
    """Why framework.types.Number: Terraform sends 0.7 as the string "0.7" in msgpack."""
    assert tf_types.Number().decode("0.7") == "0.7"


def test_tf_list_and_map_encode_unknown_elements_with_the_element_type() -> None:
    """Why framework.types.List/Map: an unknown element reaches the element type's encode."""

    class Strict(tf_types.String):
        def encode(self, value: Any) -> Any:
            assert value is not tf_types.Unknown, "element type saw Unknown"
            return value

    for t, value in (
        (tf_types.List(Strict()), ["a", tf_types.Unknown]),
        (tf_types.Map(Strict()), {"k": tf_types.Unknown}),
    ):
        try:
            t.encode(value)
        except AssertionError:
            continue
        raise AssertionError(f"{type(t).__name__} no longer passes Unknown elements to the element type")


def test_tf_dynamic_values_know_only_the_plain_unknown_and_send_null_as_empty() -> None:
    """Why framework.servicer has its own read/to_dynamic_value: a refined unknown (extension 12,
    Terraform 1.6+) comes through as a raw ExtType, and null is an empty DynamicValue."""
    refined = msgpack.packb(msgpack.ExtType(12, b"\x81\x01\xc3"))
    assert isinstance(read_dynamic_value(pb.DynamicValue(msgpack=refined)), msgpack.ExtType)
    assert to_dynamic_value(None) == pb.DynamicValue()


def test_tf_speaks_a_tfplugin6_without_ephemeral_resources() -> None:
    """Why framework/gen (tfplugin6.8) and a servicer of our own: `tf`'s generated messages predate
    ephemeral resources (6.7) and write-only attributes (6.8), and its servicer builds them."""
    assert "ephemeral_resource_schemas" not in pb.GetProviderSchema.Response.DESCRIPTOR.fields_by_name
    assert "write_only" not in pb.Schema.Attribute.DESCRIPTOR.fields_by_name
    assert "OpenEphemeralResource" not in pb.DESCRIPTOR.services_by_name["Provider"].methods_by_name
    assert "ephemeral_resource_schemas" in wire.GetProviderSchema.Response.DESCRIPTOR.fields_by_name


def test_tf_registers_its_tfplugin6_messages_in_protobufs_default_pool() -> None:
    """Why framework/gen's messages live in a descriptor pool of their own (scripts/gen_tfplugin.py):
    a second `tfplugin6.DynamicValue` in the default pool is refused."""
    from google.protobuf import descriptor_pool

    assert (
        descriptor_pool.Default().FindMessageTypeByName("tfplugin6.DynamicValue")
        is pb.DynamicValue.DESCRIPTOR
    )
    assert wire.DynamicValue.DESCRIPTOR.full_name == "tfplugin6.DynamicValue"
    assert wire.DynamicValue is not pb.DynamicValue
