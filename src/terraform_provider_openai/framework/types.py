"""Value types that `tf` lacks or gets wrong for this provider.

* :class:`Number` keeps decimals exact. Terraform sends a number that is not exactly a float64
  (``0.7``) as a string in msgpack; `tf` hands that string to the provider as is. We decode it to a
  Python number and encode non-integral floats back as their shortest decimal string, so that
  Terraform reads exactly ``0.7`` again and a planned value equals the configured one.
* :class:`Object` is the cty object type (with optional attributes), which `tf` does not have.
  Encoding emits every attribute, null where absent, because cty's msgpack decoder rejects
  partial objects.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from tf import types as tf_types
from tf.types import TfType, Unknown

String = tf_types.String
Bool = tf_types.Bool


class ExactFloat(float):
    """A float that keeps the decimal Terraform sent when the float cannot hold it exactly
    (``0.12345678901234567890``), so that the planned value is the configured one."""

    text: str

    def __new__(cls, text: str) -> ExactFloat:
        obj = super().__new__(cls, text)
        obj.text = text
        return obj


def _exact(value: object) -> object:
    """A number as an exact Decimal (what Terraform compares), anything else as is."""
    if isinstance(value, ExactFloat):
        return Decimal(value.text)
    if isinstance(value, float) and math.isfinite(value):
        return Decimal(repr(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    return value


def _is_unset(value: Any) -> bool:
    return value is None or value is Unknown


class Number(TfType):
    """A Terraform number, decoded to ``int`` or ``float``; exact decimals survive the round trip."""

    def decode(self, value: Any) -> Any:
        if _is_unset(value) or isinstance(value, bool):
            return value
        if isinstance(value, bytes):
            value = value.decode()
        if isinstance(value, str):
            try:
                return int(value)
            except ValueError:
                pass
            number = float(value)
            try:
                if math.isfinite(number) and Decimal(repr(number)) != Decimal(value):
                    return ExactFloat(value)
            except InvalidOperation:
                pass
            return number
        return value

    def encode(self, value: Any) -> Any:
        if _is_unset(value) or isinstance(value, bool):
            return value
        if isinstance(value, ExactFloat):
            return value.text
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            # exact: Terraform sends a whole number as a float only when the float is exact
            # (-2**63 arrives as -9.223372036854775808e18; its repr would read back differently)
            value = int(value)
        if isinstance(value, int):
            # msgpack holds 64-bit integers; larger ones go as the exact decimal string
            return value if -(2**63) <= value < 2**64 else str(value)
        if isinstance(value, float):
            # repr() is the shortest string that reads back as the same float: Terraform parses
            # it as the exact decimal the user wrote (0.7, not 0.6999999999999999555910790149937).
            return repr(value)
        return str(value)

    def semantically_equal(self, a_decoded: Any, b_decoded: Any) -> bool:
        return _exact(a_decoded) == _exact(b_decoded)

    def tf_type(self) -> bytes:
        return b'"number"'


class List(tf_types.List):
    """A list whose elements may themselves be unknown."""

    def encode(self, value: Any) -> Any:
        if _is_unset(value):
            return value
        return [v if v is Unknown else self.element_type.encode(v) for v in value]

    def decode(self, value: Any) -> Any:
        if _is_unset(value):
            return value
        return [v if v is Unknown else self.element_type.decode(v) for v in value]

    def semantically_equal(self, a_decoded: Any, b_decoded: Any) -> bool:
        if _is_unset(a_decoded) or _is_unset(b_decoded):
            return a_decoded is b_decoded
        if len(a_decoded) != len(b_decoded):
            return False
        return all(
            self.element_type.semantically_equal(a, b) for a, b in zip(a_decoded, b_decoded, strict=True)
        )


class Map(tf_types.Map):
    """A map whose values may themselves be unknown."""

    def encode(self, value: Any) -> Any:
        if _is_unset(value):
            return value
        return {k: v if v is Unknown else self.element_type.encode(v) for k, v in value.items()}

    def decode(self, value: Any) -> Any:
        if _is_unset(value):
            return value
        return {k: v if v is Unknown else self.element_type.decode(v) for k, v in value.items()}

    def semantically_equal(self, a_decoded: Any, b_decoded: Any) -> bool:
        if _is_unset(a_decoded) or _is_unset(b_decoded):
            return a_decoded is b_decoded
        if set(a_decoded) != set(b_decoded):
            return False
        return all(self.element_type.semantically_equal(a_decoded[k], b_decoded[k]) for k in a_decoded)


class Object(TfType):
    """The cty object type: a fixed set of named attributes, some of them optional."""

    def __init__(self, attributes: Mapping[str, TfType], optional: Iterable[str] = ()):
        self.attributes = dict(attributes)
        self.optional = sorted(optional)

    def encode(self, value: Any) -> Any:
        if _is_unset(value):
            return value
        get = value.get
        return {
            name: v if (v := get(name)) is None or v is Unknown else t.encode(v)
            for name, t in self.attributes.items()
        }

    def decode(self, value: Any) -> Any:
        if _is_unset(value):
            return value
        get = value.get
        return {
            name: v if (v := get(name)) is None or v is Unknown else t.decode(v)
            for name, t in self.attributes.items()
        }

    def semantically_equal(self, a_decoded: Any, b_decoded: Any) -> bool:
        if _is_unset(a_decoded) or _is_unset(b_decoded):
            return a_decoded is b_decoded
        return all(
            t.semantically_equal(a_decoded.get(name), b_decoded.get(name))
            for name, t in self.attributes.items()
        )

    def tf_type(self) -> bytes:
        attrs = ",".join(
            f"{json.dumps(name)}:{t.tf_type().decode()}" for name, t in sorted(self.attributes.items())
        )
        if self.optional:
            return f'["object",{{{attrs}}},{json.dumps(self.optional)}]'.encode()
        return f'["object",{{{attrs}}}]'.encode()


def contains_unknown(value: Any) -> bool:
    """True when the value, or anything inside it, is not known yet (comes from another resource)."""
    if value is Unknown:
        return True
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    return False


__all__ = ["Bool", "ExactFloat", "List", "Map", "Number", "Object", "String", "Unknown", "contains_unknown"]
