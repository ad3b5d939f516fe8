"""Plan-time checks of a chat completion request, generated from the rule table (:mod:`rules`).

The configuration is turned into the request body it would send (``request.build_request``, which
keeps values not known yet in place), the table's ``request`` and ``terraform`` rules are run over
that body, and every problem is reported on the attribute it comes from: the body's parameter path
(``messages[1].content``, ``tool_choice.function.name``) is walked along the resource's schema
(``["messages", (1,), "content"]``, ``["tool_choice"]``). A value that is not known yet (it comes
from another resource) is skipped, never rejected. Each problem names the attribute, with the
element index for list elements, in the summary too, because Terraform points a diagnostic inside
a list at the whole list.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tf import types as tf_types
from tf.schema import Schema
from tf.utils import Diagnostics

from terraform_provider_openai import rules
from terraform_provider_openai.framework.types import Object, Unknown
from terraform_provider_openai.request import build_request
from terraform_provider_openai.rules import METADATA_MAX_PAIRS, Range, Rule, shown

__all__ = [
    "METADATA_MAX_PAIRS",
    "Checker",
    "Validator",
    "attribute_path",
    "validate_listing",
    "validate_request",
]

Path = list[Any]
_PLAN_SCOPES: tuple[rules.Scope, ...] = ("request", "terraform")


def known(value: Any) -> bool:
    return value is not None and value is not Unknown


def _unknown(value: Any) -> bool:
    return value is Unknown


def attribute_label(path: Path) -> str:
    """An attribute path as diagnostics name it: `messages[1].content`, `metadata[team]`."""
    out = ""
    for step in path:
        if isinstance(step, tuple):
            out += f"[{shown(str(step[0]))}]"
        else:
            out += ("." if out else "") + step
    return out


def attribute_path(param: rules.ParamPath, root: Any = None) -> Path:
    """The Terraform attribute a request parameter comes from: the parameter's path walked along the
    attribute types (an object's attribute by name, a list element or map value as ``(index,)`` /
    ``(key,)``), up to the first attribute that holds the rest as one value (``tool_choice`` is a
    string that becomes ``{"type": "function", "function": {"name": ...}}``; ``parameters`` a JSON
    string). Without `root`, the first step is an attribute and the rest keys of it."""
    if root is None:
        return [param[0], *((step,) for step in param[1:])] if param else []
    out: Path = []
    current = root
    for step in param:
        if isinstance(current, Object) and isinstance(step, str) and step in current.attributes:
            out.append(step)
            current = current.attributes[step]
        elif (isinstance(current, tf_types.List) and isinstance(step, int)) or (
            isinstance(current, tf_types.Map) and isinstance(step, str)
        ):
            out.append((step,))
            current = current.element_type
        else:
            break
    return out


def _schema_type(schema: Schema | None) -> Object:
    if schema is None:  # the resource's (imported here: the resource imports this module)
        from terraform_provider_openai.resources.chat_completion import ChatCompletionResource

        schema = ChatCompletionResource.get_schema()
    return Object({a.name: a.type for a in schema.attributes})


def report(diags: Diagnostics, violations: list[rules.Violation], root: Any = None) -> None:
    """Each violation as an error on its attribute. Terraform cannot follow a path into a nested
    attribute's element and then points at the whole resource block; the top-level attribute gets
    it the right lines. The full location is in the summary and the detail."""
    for violation in violations:
        path = attribute_path(violation.path, root)
        label = attribute_label(path)
        diags.add_error(f"Invalid {label}", violation.text(label), path=path[:1])


def validate_request(diags: Diagnostics, config: dict[str, Any], schema: Schema | None = None) -> None:
    """Every rule of a create request, over the configuration of a resource with `schema` (default:
    `openai_chat_completion`'s), which maps parameters back to attributes."""
    body = build_request(config)
    found = rules.check(body, rules.CREATE, scopes=_PLAN_SCOPES, unknown=_unknown)
    report(diags, found, _schema_type(schema))


def validate_listing(diags: Diagnostics, config: dict[str, Any], *, max_limit: int | None = None) -> None:
    """`order`, `limit` and `metadata` of the list data sources."""
    report(diags, rules.check(config, rules.LIST, scopes=_PLAN_SCOPES, unknown=_unknown))
    if max_limit is not None:
        Checker(diags).number_range(config.get("limit"), ["limit"], 1, max_limit, integer=True)


class Checker:
    """One check of the table applied to one attribute of a data source (not a request parameter)."""

    def __init__(self, diags: Diagnostics):
        self.diags = diags

    def _run(self, name: str, check: rules.Check, value: Any) -> None:
        report(self.diags, rules.check({name: value}, (Rule(name, check, "provider"),), unknown=_unknown))

    def number_range(self, value: Any, path: Path, low: float, high: float, integer: bool = False) -> None:
        self._run(path[0], Range(low, high, integer), value)

    def not_empty(self, value: Any, path: Path) -> None:
        if known(value) and value.strip() == "":
            self.diags.add_error(f"Invalid {path[0]}", f"{path[0]} must not be empty.", path=path[:1])


Validator = Callable[[Diagnostics, dict[str, Any]], None]
