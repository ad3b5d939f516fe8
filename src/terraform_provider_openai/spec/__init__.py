"""The vendored Chat Completions subset of OpenAI's OpenAPI spec (see ``SOURCE.md``), and the one
place that turns it into JSON Schema a validator can use.

Standard library only, and nothing is read until asked: the provider never loads the file (its
rules are in :mod:`terraform_provider_openai.rules`); the local server and the tests do.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources
from typing import Any

SPEC_FILE = "chat-completions.openapi.json"
SCHEMAS_REF = "#/components/schemas/"


@cache
def _raw() -> dict[str, Any]:
    text = resources.files(__name__).joinpath(SPEC_FILE).read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


def document() -> dict[str, Any]:
    """The spec exactly as vendored (a fresh copy: callers may change it)."""
    return copy.deepcopy(_raw())


def rewrite_nullable(node: Any) -> Any:
    """OpenAPI 3.0's ``nullable: true`` (kept 111 times by this 3.1 document) as JSON Schema: a
    ``null`` type, or a ``null`` alternative when the node is not a plain typed value."""
    if isinstance(node, list):
        return [rewrite_nullable(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = {k: rewrite_nullable(v) for k, v in node.items()}
    if node.pop("nullable", False):
        if isinstance(node.get("type"), str) and "enum" not in node:
            node["type"] = [node["type"], "null"]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


def _tag(schemas: dict[str, Any], branch: Any) -> tuple[str, str] | None:
    """(property, value) when `branch` is an object schema that requires one property with a single
    allowed value (``{"type": {"enum": ["function"]}}``): the tag of a tagged union's member."""
    if isinstance(branch, dict) and isinstance(branch.get("$ref"), str):
        branch = schemas.get(branch["$ref"].removeprefix(SCHEMAS_REF))
    if not isinstance(branch, dict) or branch.get("type") != "object":
        return None
    for name in branch.get("required", []):
        enum = (branch.get("properties", {}).get(name) or {}).get("enum")
        if isinstance(enum, list) and len(enum) == 1 and isinstance(enum[0], str):
            return name, enum[0]
    return None


def _untangle_unions(node: Any, schemas: dict[str, Any]) -> Any:
    """A ``oneOf`` whose members are objects told apart by one property (``role``, ``type``) as
    ``if``/``then`` per value: a validator then reports what is wrong inside the member the
    request meant (``messages[1].content``) instead of failing the whole union."""
    if isinstance(node, list):
        return [_untangle_unions(n, schemas) for n in node]
    if not isinstance(node, dict):
        return node
    node = {k: _untangle_unions(v, schemas) for k, v in node.items()}
    branches = node.get("oneOf")
    if not isinstance(branches, list) or len(branches) < 2:
        return node
    tags = [_tag(schemas, b) for b in branches]
    if any(t is None for t in tags) or len({t[0] for t in tags if t}) != 1:
        return node
    prop = tags[0][0] if tags[0] else ""
    values = [t[1] for t in tags if t]
    rest = {k: v for k, v in node.items() if k not in ("oneOf", "discriminator")}
    return {
        **rest,
        "type": "object",
        "required": [prop],
        "properties": {prop: {"type": "string", "enum": values}},
        "allOf": [
            {"if": {"properties": {prop: {"const": value}}}, "then": branch}
            for value, branch in zip(values, branches, strict=True)
        ],
    }


@cache
def _json_schema() -> dict[str, Any]:
    doc: dict[str, Any] = rewrite_nullable(document())
    schemas = doc["components"]["schemas"]
    doc["components"]["schemas"] = _untangle_unions(schemas, schemas)
    return doc


def json_schema_document() -> dict[str, Any]:
    """The spec as JSON Schema (2020-12): ``nullable`` rewritten and tagged unions untangled (see
    the module's functions). ``{**doc, "$ref": SCHEMAS_REF + name}`` validates against one schema."""
    return copy.deepcopy(_json_schema())


def request_parameters() -> frozenset[str]:
    """The top-level parameters of a create request (``CreateChatCompletionRequest`` and the
    schemas it is made of)."""
    schemas = _raw()["components"]["schemas"]
    names: set[str] = set()

    def collect(schema: dict[str, Any]) -> None:
        if "$ref" in schema:
            collect(schemas[schema["$ref"].removeprefix(SCHEMAS_REF)])
        names.update(schema.get("properties", {}))
        for part in schema.get("allOf", []):
            collect(part)

    collect(schemas["CreateChatCompletionRequest"])
    return frozenset(names)


__all__ = [
    "SCHEMAS_REF",
    "SPEC_FILE",
    "document",
    "json_schema_document",
    "request_parameters",
    "rewrite_nullable",
]
