"""Check a stored state against the schema before decoding it.

Terraform hands ``UpgradeResourceState`` the raw JSON of ``terraform.tfstate``. A hand-edited state
(``messages`` a string, ``choices`` a number, a required attribute deleted) used to crash the
decoder and surface as "Unexpected Provider Error"; :func:`state_problems` lists what is wrong,
attribute by attribute, so the servicer can say so in a diagnostic naming the resource type.

Only the shape is checked (the types Terraform itself would insist on); attributes the schema no
longer has are ignored and missing optional ones are null, as for any schema change.
"""

from __future__ import annotations

from typing import Any

from tf import types as tf_types
from tf.schema import Schema

from terraform_provider_openai.framework.types import Number, Object

MAX_PROBLEMS = 20


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a bool"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _found(value: Any) -> str:
    if isinstance(value, list | dict):
        return _kind(value)
    text = repr(value)
    return f"{_kind(value)} ({text if len(text) <= 40 else text[:37] + '...'})"


def _expected(t: Any) -> str:
    if isinstance(t, Object):
        return "an object"
    if isinstance(t, tf_types.List):  # Set and this package's List too
        return "a list"
    if isinstance(t, tf_types.Map):
        return "a map"
    if isinstance(t, Number | tf_types.Number):
        return "a number"
    if isinstance(t, tf_types.Bool):
        return "a bool"
    return "a string"


def _label(path: list[Any]) -> str:
    out = ""
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        elif isinstance(step, tuple):  # a map key
            out += f"[{step[0]!r}]"
        else:
            out += ("." if out else "") + step
    return out


# ---- shapes, the fast path and the detailed walk --------------------------------------------------
# Every UpgradeResourceState (each instance, each plan) checks its state. `tf`'s type classes are
# typing.Protocol subclasses, slow to isinstance() against: the shape of each type is worked out once
# (:func:`_shape`). A state almost always fits: `_fits` answers that without building paths, and only
# a state that does not fit gets the detailed walk (`_check`) that names what is wrong.

_OBJECT, _LIST, _MAP, _SCALAR = range(4)
#: id(type) -> (the type, kept alive so that its id stays its own; its shape)
_SHAPES: dict[int, tuple[Any, tuple[int, Any]]] = {}


def _shape(t: Any) -> tuple[int, Any]:
    known = _SHAPES.get(id(t))
    if known is not None:
        return known[1]
    shape: tuple[int, Any]
    if isinstance(t, Object):
        shape = (_OBJECT, tuple(t.attributes.items()))
    elif isinstance(t, tf_types.List):
        shape = (_LIST, t.element_type)
    elif isinstance(t, tf_types.Map):
        shape = (_MAP, t.element_type)
    else:
        shape = (_SCALAR, _expected(t))
    _SHAPES[id(t)] = (t, shape)
    return shape


def _fits(t: Any, value: Any) -> bool:
    if value is None:
        return True
    kind, detail = _shape(t)
    if kind == _OBJECT:
        return type(value) is dict and all(_fits(at, value.get(name)) for name, at in detail)
    if kind == _LIST:
        return type(value) is list and all(_fits(detail, item) for item in value)
    if kind == _MAP:
        return type(value) is dict and all(_fits(detail, item) for item in value.values())
    return bool(_kind(value) == detail)


def _state_fits(schema: Schema, raw: dict[str, Any]) -> bool:
    for attr in schema.attributes:
        value = raw.get(attr.name)
        if (value is None and attr.required) or not _fits(attr.type, value):
            return False
    return True


def _check(t: Any, value: Any, path: list[Any], problems: list[str]) -> None:
    if value is None:
        return
    kind, detail = _shape(t)
    if kind == _OBJECT:
        if not isinstance(value, dict):
            problems.append(f"{_label(path)}: expected an object, found {_found(value)}")
            return
        for name, attr_type in detail:
            _check(attr_type, value.get(name), [*path, name], problems)
    elif kind == _LIST:
        if not isinstance(value, list):
            problems.append(f"{_label(path)}: expected a list, found {_found(value)}")
            return
        for i, item in enumerate(value):
            _check(detail, item, [*path, i], problems)
    elif kind == _MAP:
        if not isinstance(value, dict):
            problems.append(f"{_label(path)}: expected a map, found {_found(value)}")
            return
        for key, item in value.items():
            _check(detail, item, [*path, (key,)], problems)
    elif _kind(value) != detail:
        problems.append(f"{_label(path)}: expected {detail}, found {_found(value)}")


def state_problems(schema: Schema, raw: Any) -> list[str]:
    """What makes ``raw`` (a state's attributes as JSON values) unusable with ``schema``; empty when
    it is fine. At most :data:`MAX_PROBLEMS`, then a count of the rest."""
    if not isinstance(raw, dict):
        return [f"the state is {_found(raw)}, not an object of attributes"]
    if _state_fits(schema, raw):
        return []
    problems: list[str] = []
    for attr in schema.attributes:
        if attr.name not in raw:
            if attr.required:
                problems.append(f"{attr.name}: missing, but it is required")
            continue
        value = raw[attr.name]
        if value is None and attr.required:
            problems.append(f"{attr.name}: null, but it is required")
        _check(attr.type, value, [attr.name], problems)
    if len(problems) > MAX_PROBLEMS:
        problems = [*problems[:MAX_PROBLEMS], f"... and {len(problems) - MAX_PROBLEMS} more"]
    return problems
