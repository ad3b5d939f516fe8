"""Request validation on the wire: the vendored spec, checked with ``jsonschema``, then the rule
table's other rules (:mod:`terraform_provider_openai.rules`, the same table the provider checks at
plan time).

Every failure is an :class:`APIError` 400 in the API's shape, ``{"error": {"message", "type":
"invalid_request_error", "param", "code"}}``, whose ``param`` is the path of the offending field
(``messages[1].role``, ``tools[0].function.name``, ``metadata.team``). Like the API, the server
answers with the first problem it finds.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from terraform_provider_openai import rules, spec
from terraform_provider_openai.localserver._errors import APIError, invalid

_SCOPES: tuple[rules.Scope, ...] = ("request", "wire")
_UPDATE_PATH = "/chat/completions/{completion_id}"
_TYPE_WORDS = {
    "string": "a string",
    "integer": "an integer",
    "number": "a decimal",
    "boolean": "a boolean",
    "object": "an object",
    "array": "an array",
    "null": "null",
}


# ---- the spec, as JSON Schema -------------------------------------------------------------------


@cache
def _create_validator() -> Draft202012Validator:
    doc = spec.json_schema_document()
    return Draft202012Validator({**doc, "$ref": spec.SCHEMAS_REF + "CreateChatCompletionRequest"})


@cache
def _update_validator() -> Draft202012Validator:
    doc = spec.json_schema_document()
    body = doc["paths"][_UPDATE_PATH]["post"]["requestBody"]["content"]["application/json"]["schema"]
    return Draft202012Validator({"components": doc["components"], **body})


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "unknown"


def _words(kind: str) -> str:
    return _TYPE_WORDS.get(kind, kind)


def _label(path: Iterable[Any]) -> str:
    return rules.param_label(tuple(path))


def _types(error: ValidationError) -> list[str]:
    value = error.validator_value
    return [value] if isinstance(value, str) else list(value)


def _telling(error: ValidationError) -> ValidationError | list[str]:
    """The error inside a union (``anyOf``/``oneOf``) that says most: the failure deepest in the member
    the value was meant for; or, when every member failed on the value's type alone, the types the
    union takes."""
    while error.validator in ("anyOf", "oneOf") and error.context:
        members: dict[Any, list[ValidationError]] = {}
        for e in error.context:
            members.setdefault(e.relative_schema_path[0], []).append(e)
        # a member whose type the value does not even have was not the one meant
        meant = [
            e
            for errors in members.values()
            if not any(e.validator == "type" and not e.relative_path for e in errors)
            for e in errors
        ]
        if not meant:
            kinds: list[str] = []
            for e in error.context:
                if e.validator == "type" and not e.relative_path:
                    kinds += [t for t in _types(e) if t != "null" and t not in kinds]
            return kinds
        error = best_match(meant)
    return error


def _schema_error(error: ValidationError) -> APIError:
    """A jsonschema failure worded as the API words it."""
    picked = _telling(error)
    if isinstance(picked, list):
        param = _label(error.absolute_path)
        expected = " or ".join(_words(k) for k in picked)
        expected = f"one of {expected}" if len(picked) > 1 else expected
        got = _words(_kind(error.instance))
        return invalid(
            param,
            f"Invalid type for '{param}': expected {expected}, but got {got} instead.",
            "invalid_type",
        )
    error = picked
    path = list(error.absolute_path)
    param = _label(path)
    value, limit, validator = error.instance, error.validator_value, error.validator
    word = "integer" if _kind(value) == "integer" else "decimal"
    if validator == "type":
        expected = " or ".join(_words(t) for t in _types(error) if t != "null")
        return invalid(
            param,
            f"Invalid type for '{param}': expected {expected}, but got {_words(_kind(value))} instead.",
            "invalid_type",
        )
    if validator == "required":
        missing = next(k for k in limit if isinstance(value, Mapping) and k not in value)
        param = _label([*path, missing])
        return invalid(param, f"Missing required parameter: '{param}'.", "missing_required_parameter")
    if validator in ("enum", "const"):
        allowed = ", ".join(f"'{a}'" for a in (limit if validator == "enum" else [limit]))
        return invalid(
            param,
            f"Invalid value for '{param}': '{value}'. Supported values are: {allowed}.",
            "invalid_value",
        )
    if validator in ("minimum", "exclusiveMinimum"):
        return invalid(
            param,
            f"Invalid '{param}': {word} below minimum value. Expected a value >= {limit}, but got {value} instead.",
            f"{word}_below_min_value",
        )
    if validator in ("maximum", "exclusiveMaximum"):
        return invalid(
            param,
            f"Invalid '{param}': {word} above maximum value. Expected a value <= {limit}, but got {value} instead.",
            f"{word}_above_max_value",
        )
    if validator == "minItems":
        return invalid(
            param,
            f"Invalid '{param}': empty array. Expected an array with minimum length {limit}, but got an "
            f"array with length {len(value)} instead.",
            "empty_array" if not value else "array_below_min_length",
        )
    if validator == "maxItems":
        return invalid(
            param,
            f"Invalid '{param}': array too long. Expected an array with maximum length {limit}, but got an "
            f"array with length {len(value)} instead.",
            "array_above_max_length",
        )
    if validator == "maxLength":
        return invalid(
            param,
            f"Invalid '{param}': string too long. Expected a string with maximum length {limit}, but got a "
            f"string with length {len(value)} instead.",
            "string_above_max_length",
        )
    if validator in ("additionalProperties", "unevaluatedProperties") and isinstance(value, Mapping):
        allowed_keys = error.schema.get("properties", {})
        extra = next((k for k in value if k not in allowed_keys), "")
        param = _label([*path, extra])
        return invalid(param, f"Unrecognized request argument supplied: {param}", "unknown_parameter")
    return invalid(param, f"Invalid '{param}': {error.message}", "invalid_value")


def _first_schema_error(validator: Draft202012Validator, body: Mapping[str, Any]) -> APIError | None:
    """The first failure in the body's own order (the first parameter, then the first element)."""
    errors = list(validator.iter_errors(body))
    if not errors:
        return None
    order = {key: i for i, key in enumerate(body)}

    def position(error: ValidationError) -> tuple[int, int]:
        path: deque[Any] = error.absolute_path
        return order.get(path[0], -1) if path else -1, len(path)

    return _schema_error(min(errors, key=position))


# ---- the rule table ---------------------------------------------------------------------------


def _table(body: Mapping[str, Any], table: tuple[rules.Rule, ...]) -> None:
    found = rules.check(body, table, scopes=_SCOPES)
    if found:
        first = found[0]
        param = rules.param_label(first.path)
        raise invalid(param or None, first.text(param), first.code)


# ---- the routes' requests ---------------------------------------------------------------------


def validate_create(body: Any, *, model_required: bool = True) -> None:
    """Raise :class:`APIError` (400, ``param`` set) unless ``body`` is a valid create request. On a
    deployment route (Azure) the deployment is the model: ``model`` may be left out."""
    if not isinstance(body, dict):
        raise invalid(None, "The request body must be a JSON object.", "invalid_type")
    checked = body if model_required or "model" in body else {**body, "model": "deployment"}
    error = _first_schema_error(_create_validator(), checked)
    if error is not None:
        raise error
    _table(checked, rules.CREATE)


def validate_update(body: Any) -> dict[str, str]:
    """The update body ``{"metadata": {...}}``; returns the new metadata (null means {})."""
    if not isinstance(body, dict):
        raise invalid(None, "The request body must be a JSON object.", "invalid_type")
    error = _first_schema_error(_update_validator(), body)
    if error is not None:
        raise error
    _table(body, rules.UPDATE)
    return dict(body["metadata"] or {})


def list_params(query: Mapping[str, str], *, with_filters: bool) -> tuple[str | None, int, str]:
    """``after``, ``limit`` (default 20) and ``order`` (default asc) of a list route."""
    limit_raw = query.get("limit", "20")
    try:
        limit = int(limit_raw)
    except ValueError:
        raise invalid(
            "limit",
            f"Invalid type for 'limit': expected an integer, but got '{limit_raw}' instead.",
            "invalid_type",
        ) from None
    order = query.get("order", "asc")
    params: dict[str, Any] = {"limit": limit, "order": order}
    if with_filters:
        params["metadata"] = {
            k[len("metadata[") : -1]: v
            for k, v in query.items()
            if k.startswith("metadata[") and k.endswith("]")
        }
    _table(params, rules.LIST)
    return query.get("after") or None, limit, order


__all__ = ["APIError", "list_params", "validate_create", "validate_update"]
