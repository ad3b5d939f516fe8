"""A small, deterministic instance of a JSON Schema (for json_schema answers and tool arguments).

Supported: ``type`` (or a list of types: the first non-null), ``const``, ``enum`` (first value),
``anyOf``/``oneOf`` (first branch), ``allOf`` (merged), local ``$ref`` (``#/$defs/..``,
``#/definitions/..``, ``#``), objects (required properties; all properties when
``additionalProperties`` is false and ``strict``-style schemas list them all as required),
arrays (``minItems`` items, ``prefixItems``), strings (``minLength``/``maxLength``, common
``format`` values), numbers (``minimum``/``maximum``/exclusive bounds/``multipleOf``).
Not supported: ``pattern`` (a plain string is produced) and ``not``.
"""

from __future__ import annotations

import math
from typing import Any

_FORMATS = {
    "date-time": "2024-01-01T00:00:00Z",
    "date": "2024-01-01",
    "time": "00:00:00Z",
    "email": "local@example.com",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "hostname": "example.com",
    "ipv4": "127.0.0.1",
    "ipv6": "::1",
    "duration": "P1D",
}
_MAX_DEPTH = 32


def instance(schema: Any, text: str = "local") -> Any:
    """A minimal value valid against ``schema``; strings default to ``text``."""
    return _Gen(schema, text).value(schema, 0)


class _Gen:
    def __init__(self, root: Any, text: str) -> None:
        self.root = root
        self.text = text

    def _resolve(self, ref: str) -> Any:
        if not ref.startswith("#"):
            return {}
        node: Any = self.root
        for part in ref[1:].split("/"):
            if not part:
                continue
            part = part.replace("~1", "/").replace("~0", "~")
            node = node.get(part, {}) if isinstance(node, dict) else {}
        return node

    def value(self, schema: Any, depth: int) -> Any:
        if schema is True or not isinstance(schema, dict) or depth > _MAX_DEPTH:
            return None if depth > _MAX_DEPTH else {}
        if "$ref" in schema:
            resolved = {**self._resolve(schema["$ref"]), **{k: v for k, v in schema.items() if k != "$ref"}}
            return self.value(resolved, depth + 1)
        if "const" in schema:
            return schema["const"]
        if schema.get("enum"):
            return schema["enum"][0]
        if "allOf" in schema:
            merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
            for part in schema["allOf"]:
                part = self._resolve(part["$ref"]) if isinstance(part, dict) and "$ref" in part else part
                if isinstance(part, dict):
                    for key, val in part.items():
                        if key == "properties":
                            merged["properties"] = {**merged.get("properties", {}), **val}
                        elif key == "required":
                            merged["required"] = [*merged.get("required", []), *val]
                        else:
                            merged.setdefault(key, val)
            return self.value(merged, depth + 1)
        for key in ("anyOf", "oneOf"):
            if schema.get(key):
                branches = schema[key]
                chosen = next(
                    (b for b in branches if not (isinstance(b, dict) and b.get("type") == "null")),
                    branches[0],
                )
                rest = {k: v for k, v in schema.items() if k != key}
                return self.value({**rest, **chosen} if isinstance(chosen, dict) else chosen, depth + 1)
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if kind is None:
            if "properties" in schema or "required" in schema:
                kind = "object"
            elif "items" in schema or "prefixItems" in schema:
                kind = "array"
            else:
                return {} if depth == 0 else self.text
        return getattr(self, f"_{kind}", self._null)(schema, depth)

    def _null(self, schema: dict[str, Any], depth: int) -> Any:
        return None

    def _boolean(self, schema: dict[str, Any], depth: int) -> bool:
        return True

    def _string(self, schema: dict[str, Any], depth: int) -> str:
        text = _FORMATS.get(schema.get("format", ""), self.text)
        min_len = int(schema.get("minLength", 0))
        max_len = schema.get("maxLength")
        if len(text) < min_len:
            text = text + "x" * (min_len - len(text))
        if max_len is not None and len(text) > int(max_len):
            text = text[: int(max_len)]
        return text

    def _number(self, schema: dict[str, Any], depth: int, integer: bool = False) -> int | float:
        lo = schema.get("minimum")
        hi = schema.get("maximum")
        xlo = schema.get("exclusiveMinimum")
        xhi = schema.get("exclusiveMaximum")
        step = schema.get("multipleOf")
        candidates: list[float] = []
        if lo is not None:
            candidates.append(lo)
        if xlo is not None and not isinstance(xlo, bool):
            candidates.append(xlo + (1 if integer or step else 0.5))
        value: float = max(candidates) if candidates else 0
        if hi is not None and value > hi:
            value = hi
        if xhi is not None and not isinstance(xhi, bool) and value >= xhi:
            value = xhi - (1 if integer else 0.5)
        if step:
            value = math.ceil(value / step) * step
        if integer:
            return int(math.ceil(value))
        return int(value) if float(value).is_integer() else value

    def _integer(self, schema: dict[str, Any], depth: int) -> int:
        return int(self._number(schema, depth, integer=True))

    def _array(self, schema: dict[str, Any], depth: int) -> list[Any]:
        prefix = schema.get("prefixItems") or []
        items = [self.value(p, depth + 1) for p in prefix]
        count = int(schema.get("minItems", 0))
        item_schema = schema.get("items", {})
        while len(items) < count:
            items.append(self.value(item_schema, depth + 1))
        return items

    def _object(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        props: dict[str, Any] = schema.get("properties") or {}
        required = list(dict.fromkeys(schema.get("required") or []))
        result: dict[str, Any] = {}
        for name in required:
            result[name] = self.value(props.get(name, {}), depth + 1)
        min_props = int(schema.get("minProperties", 0))
        for name, sub in props.items():
            if len(result) >= min_props:
                break
            result.setdefault(name, self.value(sub, depth + 1))
        return result
