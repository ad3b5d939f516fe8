"""The framework's value types: exact decimals, complete objects, unknowns at any depth."""

from __future__ import annotations

import json

from terraform_provider_openai.framework.types import (
    List,
    Map,
    Number,
    Object,
    String,
    Unknown,
)


def test_number_keeps_decimals_exact() -> None:
    n = Number()
    assert n.encode(0.7) == "0.7"
    assert n.encode(0.1 + 0.2) == repr(0.1 + 0.2)
    assert n.decode("0.7") == 0.7
    assert n.decode(b"0.7") == 0.7
    assert n.decode(n.encode(0.7)) == 0.7


def test_number_whole_values_are_integers() -> None:
    n = Number()
    assert n.encode(1.0) == 1 and isinstance(n.encode(1.0), int)
    assert n.encode(3) == 3
    assert n.decode("42") == 42 and isinstance(n.decode("42"), int)
    assert n.decode("9223372036854775808") == 2**63
    # whole floats beyond 2**53 are exact: sent as the integer they are, not their repr
    assert n.encode(2.0**60) == 2**60
    assert n.encode(-(2.0**63)) == -(2**63)
    # beyond 64 bits msgpack has no integer: the exact decimal string
    assert n.encode(1e20) == "100000000000000000000"
    assert n.encode(10**30) == str(10**30)


def test_number_passes_null_unknown_and_bool_through() -> None:
    n = Number()
    for value in (None, Unknown, True):
        assert n.encode(value) is value
        assert n.decode(value) is value


def test_object_encode_fills_every_attribute_with_null() -> None:
    obj = Object({"role": String(), "content": String(), "name": String()}, optional=["name"])
    assert obj.encode({"role": "user"}) == {"role": "user", "content": None, "name": None}
    assert obj.decode({"role": "user"}) == {"role": "user", "content": None, "name": None}
    assert obj.encode(None) is None


def test_object_type_lists_optional_attributes() -> None:
    obj = Object({"b": String(), "a": Number()}, optional=["b"])
    assert json.loads(obj.tf_type()) == ["object", {"a": "number", "b": "string"}, ["b"]]
    assert json.loads(Object({"a": Number()}).tf_type()) == ["object", {"a": "number"}]


def test_nested_unknowns_survive_encode_and_decode() -> None:
    t = List(Object({"role": String(), "score": Number(), "tags": Map(String())}))
    value = [{"role": Unknown, "score": 0.5, "tags": {"a": Unknown}}, Unknown]
    encoded = t.encode(value)
    assert encoded[0]["role"] is Unknown
    assert encoded[0]["score"] == "0.5"
    assert encoded[0]["tags"]["a"] is Unknown
    assert encoded[1] is Unknown
    decoded = t.decode(encoded)
    assert decoded[0]["score"] == 0.5 and decoded[0]["tags"]["a"] is Unknown


def test_semantic_equality_compares_values_not_encodings() -> None:
    t = List(Object({"x": Number()}))
    assert t.semantically_equal([{"x": 0.7}], [{"x": 0.7}])
    assert not t.semantically_equal([{"x": 0.7}], [{"x": 0.8}])
    assert not t.semantically_equal(None, [])
    assert Map(Number()).semantically_equal({"a": 1}, {"a": 1.0})


def test_number_keeps_decimals_a_float_cannot_hold() -> None:
    n = Number()
    value = n.decode("0.1234567890123456789")
    assert value == 0.12345678901234568  # usable as a float (request body, comparisons)
    assert n.encode(value) == "0.1234567890123456789"  # planned exactly as configured
    assert not n.semantically_equal(value, n.decode("0.12345678901234568"))
    assert n.semantically_equal(n.decode("1.50"), 1.5) and n.semantically_equal(2, 2.0)
    assert type(n.decode("0.7")) is float
