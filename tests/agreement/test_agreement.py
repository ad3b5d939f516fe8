"""Three validators, one verdict: every case of `cases.py` runs through

(a) the provider at plan time (real terraform: one `openai_chat_completion` per case, one plan),
(b) the local server on the wire (the body the provider would send, POSTed over HTTP),
(c) the module at plan time (real terraform: one `module` block per case),

and each must refuse exactly the invalid cases, naming the same attribute (the module: the same
variable, through its own validations), and accept the valid ones. `terraform plan -json` reports
every case's diagnostics with its address; a module's variable validations stop a plan before
preconditions run, so the module cases without a diagnostic are planned once more.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from terraform_provider_openai import rules
from terraform_provider_openai.marker import CREATE_MARKER_KEY, new_marker
from terraform_provider_openai.request import build_request
from terraform_provider_openai.validation import attribute_label, attribute_path
from tests.agreement.cases import CASES, INVALID, VALID, Case
from tests.support.localserver import LocalServer
from tests.support.terraform import (
    REPO,
    TerraformHome,
    Workspace,
    hcl,
    provider_block,
    required_providers,
    too_old,
)

MODULE = REPO / "modules" / "chat_completion"
#: The module's oldest Terraform, and why (`requires_terraform`); the provider and server legs run on any.
MODULE_NEEDS = ("1.5", "the module, one of the three validators: its check block")
_BY_NAME = {c.name: c for c in CASES}


def _root_type() -> Any:
    from terraform_provider_openai.framework.types import Object
    from terraform_provider_openai.resources.chat_completion import ChatCompletionResource

    return Object({a.name: a.type for a in ChatCompletionResource.get_schema().attributes})


def wire_body(case: Case) -> dict[str, Any]:
    """What the provider would send for the case: its request body, with the create marker a stored
    completion carries (create.py)."""
    body = build_request(case.config)
    if case.config.get("store"):
        body["metadata"] = {**(body.get("metadata") or {}), CREATE_MARKER_KEY: new_marker()}
    return body


def param_attribute(param: str) -> str:
    """The attribute a server's `param` (`messages[1].content`, `tool_choice.function.name`) comes from."""
    steps: list[str | int] = [
        int(index) if index else name for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", param)
    ]
    return attribute_label(attribute_path(tuple(steps), _root_type()))


# ---- the three runners --------------------------------------------------------------------------


@dataclass
class Verdicts:
    provider: dict[str, set[str]] = field(default_factory=dict)
    server: dict[str, str | None] = field(default_factory=dict)
    module: dict[str, set[str]] = field(default_factory=dict)
    unattributed: list[str] = field(default_factory=list)
    requests_at_plan: int = 0

    #: whether the module was planned (it needs Terraform 1.5+)
    module_ran: bool = False

    def disagreements(self, case: Case, *, module: bool = True) -> list[str]:
        """What the validators say differently from the case; the module's verdict too with `module`."""
        found = []
        want = {case.attribute} if case.attribute else set()
        if self.provider.get(case.name, set()) != want:
            found.append(
                f"provider names {sorted(self.provider.get(case.name, set()))}, expected {sorted(want)}"
            )
        if case.wire and self.server.get(case.name) != case.attribute:
            found.append(f"server names {self.server.get(case.name)!r}, expected {case.attribute!r}")
        if module and case.module:
            assert self.module_ran, "the module was not planned"
            want_module = {case.variable} if case.variable else set()
            got = self.module.get(case.name, set())
            if got != want_module:
                found.append(f"module names {sorted(got)}, expected {sorted(want_module)}")
        return found


def _arguments(config: dict[str, Any]) -> str:
    return "".join(f"  {key} = {hcl(value)}\n" for key, value in config.items())


def _diagnostics(ws: Workspace) -> list[dict[str, Any]]:
    result = ws.run("plan", "-json", "-input=false", "-lock=false", check=False)
    out = []
    for line in result.stdout.splitlines():
        message = json.loads(line)
        if message.get("type") == "diagnostic" and message["diagnostic"]["severity"] == "error":
            out.append(message["diagnostic"])
    if result.returncode not in (0, 1) or (result.returncode == 1 and not out):
        raise AssertionError(f"terraform plan failed without diagnostics:\n{result}")
    return out


def _summary_label(diag: dict[str, Any]) -> str:
    summary = diag["summary"]
    return summary.removeprefix("Invalid ") if summary.startswith("Invalid ") else summary


def _spelled_out(value: Any, type_: Any, depth: int = 0) -> Any:
    """`value` as a Terraform 1.0 user writes it: on 1.0 the provider declares its nested attributes
    as object-typed attributes, whose objects inside objects (`tools[].function`,
    `messages[].tool_calls[]`, `response_format.json_schema`) have no optional fields, so every
    field is written out, `null` where the case leaves it out (framework/schema.py, `_legacy_pb`)."""
    from tf.types import List

    from terraform_provider_openai.framework.types import Object

    if isinstance(type_, Object) and isinstance(value, dict):
        written = {
            k: _spelled_out(v, type_.attributes[k], depth + 1) if k in type_.attributes else v
            for k, v in value.items()
        }
        return {**dict.fromkeys(type_.attributes), **written} if depth > 0 else written
    if isinstance(type_, List) and isinstance(value, list):
        return [_spelled_out(v, type_.element_type, depth) for v in value]
    return value


def _run_provider(ws: Workspace, base: str, verdicts: Verdicts, *, legacy: bool = False) -> None:
    types = _root_type().attributes

    def config(case: Case) -> dict[str, Any]:
        if not legacy:
            return case.config
        return {k: _spelled_out(v, types[k]) if k in types else v for k, v in case.config.items()}

    blocks = [f'resource "openai_chat_completion" "{c.name}" {{\n{_arguments(config(c))}}}\n' for c in CASES]
    ws.write(base + "\n".join(blocks))
    ws.init()
    for diag in _diagnostics(ws):
        match = re.fullmatch(r"openai_chat_completion\.([\w-]+)", diag.get("address") or "")
        if match is None or match.group(1) not in _BY_NAME:
            verdicts.unattributed.append(f"provider: {diag['summary']}: {diag['detail']}")
            continue
        verdicts.provider.setdefault(match.group(1), set()).add(_summary_label(diag))


def _module_verdict(diag: dict[str, Any]) -> tuple[str, str] | None:
    """(case, what it names): a variable's validation names the argument of the `module` block; a
    precondition's message starts with the input it is about; a diagnostic of the provider inside
    the module (the module's own validations missed it) is named `provider:<attribute>`."""
    inner = re.match(r"module\.([\w-]+)\.", diag.get("address") or "")
    if inner:
        return inner.group(1), f"provider:{_summary_label(diag)}"
    snippet = diag.get("snippet") or {}
    caller = re.fullmatch(r'module "([\w-]+)"', snippet.get("context") or "")
    if caller:
        argument = re.match(r"\s*(\w+)\s*=", snippet.get("code") or "")
        return caller.group(1), argument.group(1) if argument else f"?{snippet.get('code')}"
    inside = re.search(r"\.terraform/modules/([\w-]+)/", (diag.get("range") or {}).get("filename", ""))
    if inside:
        return inside.group(1), re.match(r"\S+", diag["detail"]).group(0)  # type: ignore[union-attr]
    return None


def _run_module(ws: Workspace, base: str, verdicts: Verdicts) -> None:
    cases = [c for c in CASES if c.module]

    def write(chosen: list[Case]) -> None:
        blocks = [f'module "{c.name}" {{\n  source = "{MODULE}"\n{_arguments(c.config)}}}\n' for c in chosen]
        ws.write(base + "\n".join(blocks))

    write(cases)
    ws.init()
    remaining = cases
    # variable validations fail a plan before any precondition is evaluated: plan again without
    # the cases already named, until a plan names nothing new
    while remaining:
        named = set()
        for diag in _diagnostics(ws):
            verdict = _module_verdict(diag)
            if verdict is None or verdict[0] not in _BY_NAME:
                verdicts.unattributed.append(f"module: {diag['summary']}: {diag['detail']}")
                continue
            verdicts.module.setdefault(verdict[0], set()).add(verdict[1])
            named.add(verdict[0])
        if not named:
            break
        remaining = [c for c in remaining if c.name not in named]
        write(remaining)


def _run_server(server: LocalServer, verdicts: Verdicts) -> None:
    for case in CASES:
        if not case.wire:
            continue
        request = urllib.request.Request(
            f"{server.base_url}/chat/completions",
            data=json.dumps(wire_body(case)).encode(),
            headers={"content-type": "application/json", "authorization": "Bearer sk-local-test"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                assert answer.status == 200
                verdicts.server[case.name] = None
        except urllib.error.HTTPError as exc:
            error = json.loads(exc.read())["error"]
            if exc.code != 400 or not error.get("param"):
                verdicts.server[case.name] = f"HTTP {exc.code}: {error}"
            else:
                verdicts.server[case.name] = param_attribute(error["param"])


@pytest.fixture(scope="module")
def verdicts(
    tf_home: TerraformHome, server: LocalServer, tmp_path_factory: pytest.TempPathFactory
) -> Verdicts:
    server.reset()
    found = Verdicts()
    base = required_providers() + provider_block(server.base_url)
    root: Path = tmp_path_factory.mktemp("agreement")
    # Terraform 1.0.x gets the legacy schema shape (the provider tells them by their panicwrap env)
    legacy = tf_home.version < (1, 1, 0)
    _run_provider(tf_home.workspace(root / "provider"), base, found, legacy=legacy)
    if too_old(tf_home.version, *MODULE_NEEDS) is None:
        _run_module(tf_home.workspace(root / "module"), base, found)
        found.module_ran = True
    found.requests_at_plan = len(server.requests())
    _run_server(server, found)
    return found


# ---- the tests ----------------------------------------------------------------------------------


def test_cases_are_many_named_uniquely_and_both_valid_and_not() -> None:
    names = [c.name for c in CASES]
    assert len(names) == len(set(names)) >= 60
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", n) for n in names)
    assert len(VALID) >= 10 and len(INVALID) >= 50
    assert all(c.why for c in CASES if not c.wire), "a case kept off the wire says why"


def _broken(case: Case) -> list[rules.Violation]:
    return rules.check(build_request(case.config), rules.CREATE, scopes=("request", "terraform"))


# Rules no Terraform input can break, and why (no case can be written for them).
UNREACHABLE: dict[tuple[str, str], str] = {
    ("model", "Required"): "a required attribute: Terraform refuses a plan without it",
    ("messages", "Required"): "a required attribute",
    ("messages[].role", "Required"): "a required attribute of each message",
    ("functions[].name", "Required"): "a required attribute of each function",
    ("tools[].function", "Required"): "a required attribute of each tool",
    ("tools[].function.name", "Required"): "a required attribute of each tool's function",
    ("response_format.type", "Required"): "a required attribute",
    ("response_format.json_schema.name", "Required"): "a required attribute",
    ("function_call", "OneOf"): "a string other than none/auto is sent as a function's name",
    ("tool_choice", "OneOf"): "a string other than none/auto/required is sent as a function's name",
    ("tools[].custom.name", "Identifier"): "custom tools: Terraform's tools are function tools",
    ("tools[].custom.name", "Pattern"): "custom tools",
    ("tool_choice.custom.name", "Declared"): "custom tools",
    (
        "**",
        "EveryString",
    ): "10 MiB strings: tests/e2e/test_validation.py plans one; too heavy for every runner",
    ("functions[].parameters", "JsonSize"): "10 MiB JSON Schemas (as above)",
    ("tools[].function.parameters", "JsonSize"): "10 MiB JSON Schemas (as above)",
    ("response_format.json_schema.schema", "JsonSize"): "10 MiB JSON Schemas (as above)",
}


def test_every_rule_has_a_case() -> None:
    """Each rule of the table that a Terraform input can break is broken by a case, and no valid case
    breaks any rule: adding a rule means adding its cases."""
    for case in VALID:
        assert _broken(case) == [], case.name
    hit: set[tuple[str, str]] = set()
    for case in INVALID:
        broken = _broken(case)
        assert broken, f"{case.name}: no rule breaks"
        hit.update((v.rule.param, type(v.rule.check).__name__) for v in broken)
    table = {(r.param, type(r.check).__name__) for r in rules.CREATE if r.scope != "wire"}
    assert sorted(table - hit - set(UNREACHABLE)) == [], "rules without a case"
    assert sorted(set(UNREACHABLE) & hit) == [], "rules said to be unreachable have a case"
    assert set(UNREACHABLE) <= table, "UNREACHABLE names rules the table does not have"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_gets_the_same_verdict_from_the_provider_and_the_server(verdicts: Verdicts, case: Case) -> None:
    assert verdicts.disagreements(case, module=False) == [], case


@pytest.mark.parametrize("case", [c for c in CASES if c.module], ids=[c.name for c in CASES if c.module])
@pytest.mark.requires_terraform(*MODULE_NEEDS)
def test_case_gets_the_same_verdict_from_the_module(verdicts: Verdicts, case: Case) -> None:
    assert verdicts.disagreements(case) == [], case


def test_no_disagreement_no_stray_diagnostic_and_no_request_at_plan(verdicts: Verdicts) -> None:
    """All cases at once (the module's verdicts too where Terraform can plan it)."""
    disagreements = {c.name: d for c in CASES if (d := verdicts.disagreements(c, module=verdicts.module_ran))}
    print(f"\n{len(CASES)} cases, {len(disagreements)} disagreements, module planned: {verdicts.module_ran}")
    assert disagreements == {}
    assert verdicts.unattributed == []
    assert verdicts.requests_at_plan == 0
