"""The rule table itself: its `spec` rules say what the vendored spec says, its limits are written once,
the HCL module repeats them faithfully, and the import rule that lets both the provider and the
local server use it holds."""

from __future__ import annotations

import ast
import io
import math
import re
import sys
import tokenize
from pathlib import Path
from typing import Any

import pytest

from terraform_provider_openai import rules, spec

SRC = Path(rules.__file__).parent
MODULE = SRC.parents[1] / "modules" / "chat_completion"


# ---- the spec rules are the spec's ------------------------------------------------------------


def _candidates(schema: Any, schemas: dict[str, Any]) -> list[dict[str, Any]]:
    """A schema and every schema it is made of (references, unions, intersections), flattened."""
    out: list[dict[str, Any]] = []
    stack = [schema]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        if "$ref" in node:
            stack.append(schemas[node["$ref"].removeprefix(spec.SCHEMAS_REF)])
        out.append(node)
        for key in ("anyOf", "oneOf", "allOf"):
            stack.extend(node.get(key, []))
    return out


def _at(param: str) -> list[dict[str, Any]]:
    """Every schema the spec has for a create request's parameter (``messages[].role``)."""
    schemas = spec.document()["components"]["schemas"]
    nodes = _candidates(schemas["CreateChatCompletionRequest"], schemas)
    for step in rules.Rule(param, rules.Required(), "spec").steps:
        found: list[Any] = []
        for node in nodes:
            found.append(node.get("items") if step == "[]" else node.get("properties", {}).get(step))
        nodes = [c for n in found if n is not None for c in _candidates(n, schemas)]
    return nodes


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(float(a), float(b))  # the spec writes the int64 bounds as rounded floats
    if isinstance(a, list) and isinstance(b, list):
        return set(a) == set(b)
    return bool(a == b)


SPEC_RULES = [
    r
    for r in rules.CREATE
    if r.origin == "spec" and r.check.spec_limits() and not any(s in r.param for s in ("*",))
]


def test_there_are_spec_rules_to_compare() -> None:
    assert len(SPEC_RULES) >= 12


@pytest.mark.parametrize("rule", SPEC_RULES, ids=[f"{r.param}:{type(r.check).__name__}" for r in SPEC_RULES])
def test_a_spec_rule_is_what_the_spec_says(rule: rules.Rule) -> None:
    nodes = _at(rule.param)
    assert nodes, f"the spec has no {rule.param}"
    for keyword, value in rule.check.spec_limits().items():
        if keyword == "enum":  # a tagged union spreads its values over its members
            values = {v for n in nodes for v in n.get("enum", [])}
            assert set(value) == values, (rule.param, sorted(values))
        else:
            stated = [n[keyword] for n in nodes if keyword in n]
            assert any(_same(value, s) for s in stated), (rule.param, keyword, value, stated)


def test_messages_roles_are_the_spec_message_types() -> None:
    roles = {v for n in _at("messages[].role") for v in n.get("enum", [])}
    assert roles == set(rules.ROLES)


# ---- each limit written once ------------------------------------------------------------------


def _python_files() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "__pycache__" not in p.parts)


def test_the_name_pattern_and_the_string_limit_are_written_only_in_the_table() -> None:
    for text in (r"a-zA-Z0-9_-", "10485760", "10_485_760"):
        where = [p.name for p in _python_files() if text in p.read_text()]
        assert where == ["rules.py"], (text, where)
    assert rules.NAME_PATTERN == "^[a-zA-Z0-9_-]{1,64}$"


@pytest.mark.parametrize("path", ["validation.py", "localserver/_validation.py"])
def test_the_validators_hold_no_limit_of_their_own(path: str) -> None:
    """The plan-time and the wire validator take every number from the table or the spec."""
    tokens = tokenize.generate_tokens(io.StringIO((SRC / path).read_text()).readline)
    numbers = {t.string for t in tokens if t.type == tokenize.NUMBER}
    assert numbers <= {"0", "1"}, numbers


def test_the_module_repeats_the_table_faithfully() -> None:
    hcl = "\n".join(p.read_text() for p in MODULE.glob("*.tf"))
    patterns = re.findall(r'regex\("(\^\[a-zA-Z[^"]*)"', hcl)
    assert patterns and set(patterns) == {rules.NAME_PATTERN}
    assert f"<= {rules.MAX_STRING_LENGTH}" in hcl
    assert f"<= {rules.MAX_FUNCTIONS}" in hcl
    assert f"<= {rules.MAX_STOP_SEQUENCES}" in hcl
    assert f"<= {rules.METADATA_MAX_PAIRS}" in hcl and f"<= {rules.METADATA_MAX_PAIRS_STORED}" in hcl
    assert f"<= {rules.METADATA_MAX_KEY_LENGTH}" in hcl and f"<= {rules.METADATA_MAX_VALUE_LENGTH}" in hcl
    assert f"<= {rules.INT64_MAX}" in hcl and f">= {rules.INT64_MIN}" in hcl
    assert f'"{rules.CREATE_MARKER_KEY}"' in hcl
    assert f'regex("^{rules.TOKEN_ID.pattern}$"' in hcl  # logit_bias keys


def _variable_blocks() -> dict[str, str]:
    text = (MODULE / "variables.tf").read_text()
    return {m.group(1): m.group(0) for m in re.finditer(r'(?ms)^variable "(\w+)" \{.*?^\}', text)}


def _bound(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


TOP_LEVEL_LIMITS = [
    r
    for r in rules.CREATE
    if re.fullmatch(r"\w+", r.param) and isinstance(r.check, rules.Range | rules.AtLeast | rules.OneOf)
]


@pytest.mark.parametrize(
    "rule", TOP_LEVEL_LIMITS, ids=[f"{r.param}:{type(r.check).__name__}" for r in TOP_LEVEL_LIMITS]
)
def test_a_module_variable_repeats_the_range_or_the_values_of_its_rule(rule: rules.Rule) -> None:
    """A module variable bounded by a rule of the table states the same bounds (a whole number
    where the rule wants one) or allows the same values."""
    block = _variable_blocks()[rule.param]
    var = f"var.{rule.param}"
    check = rule.check
    if isinstance(check, rules.OneOf):
        allowed = re.search(rf"contains\(\[([^\]]*)\], {re.escape(var)}\)", block)
        assert allowed, f"{rule.param}: no contains([...], {var})"
        assert re.findall(r'"([^"]*)"', allowed.group(1)) == list(check.values)
        return
    high = check.high if isinstance(check, rules.Range) else rules.INT64_MAX
    assert f"{var} >= {_bound(check.low)}" in block, (rule.param, check)
    assert f"{var} <= {_bound(high)}" in block, (rule.param, check)
    if isinstance(check, rules.AtLeast) or check.integer:
        assert f"floor({var}) == {var}" in block, f"{rule.param}: whole numbers only"


# ---- who imports what -------------------------------------------------------------------------


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return found


def _ours(names: set[str]) -> set[str]:
    return {n for n in names if n.startswith("terraform_provider_openai")}


def test_the_table_needs_only_the_standard_library_the_marker_and_the_spec() -> None:
    for path in (SRC / "rules.py", SRC / "spec" / "__init__.py"):
        names = _imports(path)
        ours = {n for n in _ours(names) if n != "terraform_provider_openai"}
        assert all(
            n.startswith(("terraform_provider_openai.marker", "terraform_provider_openai.spec")) for n in ours
        ), path
        others = {n.split(".")[0] for n in names - _ours(names)}
        assert others <= set(sys.stdlib_module_names) | {"__future__"}, (path, others)


def test_the_local_server_imports_nothing_of_the_provider_but_the_table_the_spec_and_the_marker() -> None:
    allowed = tuple(
        f"terraform_provider_openai.{name}" for name in ("localserver", "rules", "spec", "marker")
    )
    for path in sorted((SRC / "localserver").glob("*.py")):
        tree = ast.parse(path.read_text())
        for name in _ours(_imports(path)) - {"terraform_provider_openai"}:
            assert name.startswith(allowed), (path.name, name)
        from_root = {
            a.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == "terraform_provider_openai"
            for a in node.names
        }
        assert from_root <= {"rules", "spec", "marker"}, (path.name, from_root)


def test_the_provider_never_imports_the_local_server() -> None:
    for path in _python_files():
        if "localserver" in path.parts or path.name == "main.py":  # main.py: the `serve` subcommand
            continue
        assert not any("localserver" in n for n in _ours(_imports(path))), path
