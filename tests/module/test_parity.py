"""modules/chat_completion against the resource it wraps, read from the installed provider's schema
(`terraform providers schema -json`, not a hand list): every input of `openai_chat_completion` is a
module variable of the same name, type (nested objects and their optional attributes included),
requiredness and description, and every computed attribute is an output. An attribute added to
the resource fails here, by name, until the module has it."""

from __future__ import annotations

import re
import sys
from typing import Any

import pytest

from tests.support.terraform import REPO

MODULE = REPO / "modules" / "chat_completion"
sys.path.insert(0, str(REPO / "scripts"))
import module_readme  # noqa: E402

RESOURCE = "openai_chat_completion"
#: Outputs named otherwise than the attribute they show: the seed README calls the answering model
#: `model` (the resource's `model` is the input, so its output is `response_model`).
RENAMED_OUTPUTS = {"response_model": "model"}
#: The descriptions of the seed's module table: the inputs it named keep them (the module may say
#: more after them). Every other input's description is the resource's.
SEED_DESCRIPTIONS = {
    "model": "ID of the model to use (e.g., gpt-4o, gpt-4, gpt-3.5-turbo)",
    "messages": "A list of messages comprising the conversation context",
    "functions": "A list of functions the model may generate JSON inputs for",
    "function_call": "Controls how the model responds to function calls",
    "temperature": "What sampling temperature to use (0-2)",
    "max_tokens": "Maximum tokens to generate",
    "top_p": "Nucleus sampling parameter (0-1)",
    "n": "Number of chat completion choices to generate",
    "stop": "Up to 4 sequences where the API will stop generating further tokens",
    "presence_penalty": "Penalty for new tokens based on presence (-2.0 to 2.0)",
    "frequency_penalty": "Penalty for new tokens based on frequency (-2.0 to 2.0)",
    "user": "A unique identifier representing your end-user",
}


# ---- HCL type constraints and schema types, in one form -------------------------------------------
# `string` | [`list`|`set`|`map`, T] | [`object`, {name: T}, [optional names]] (cty's JSON form, the
# optional names sorted and left out when there are none).

_TOKEN = re.compile(r'\s+|#[^\n]*|//[^\n]*|("(?:[^"\\]|\\.)*"|[A-Za-z_][\w-]*|-?\d+(?:\.\d+)?|[(){}\[\],=])')


class _TypeParser:
    """A Terraform type constraint (`list(object({ a = string, b = optional(number, 1) }))`)."""

    def __init__(self, text: str):
        self.tokens = [m.group(1) for m in _TOKEN.finditer(text) if m.group(1)]
        self.at = 0

    def next(self) -> str:
        self.at += 1
        return self.tokens[self.at - 1]

    def peek(self) -> str:
        return self.tokens[self.at] if self.at < len(self.tokens) else ""

    def expect(self, token: str) -> None:
        got = self.next()
        assert got == token, f"expected {token!r}, got {got!r} in {' '.join(self.tokens)}"

    def parse(self) -> Any:
        name = self.next()
        if name in ("string", "number", "bool", "any"):
            return name
        self.expect("(")
        if name in ("list", "set", "map"):
            inner = self.parse()
            self.expect(")")
            return [name, inner]
        assert name == "object", name
        self.expect("{")
        attributes: dict[str, Any] = {}
        optional = []
        while self.peek() != "}":
            key = self.next()
            self.expect("=")
            if self.peek() == "optional":
                self.next()
                self.expect("(")
                attributes[key] = self.parse()
                if self.peek() == ",":  # the default: skipped
                    self._skip_to_close()
                self.expect(")")
                optional.append(key)
            else:
                attributes[key] = self.parse()
            if self.peek() == ",":
                self.next()
        self.expect("}")
        self.expect(")")
        return _object(attributes, optional)

    def _skip_to_close(self) -> None:
        depth = 0
        while not (depth == 0 and self.peek() == ")"):
            token = self.next()
            depth += token in "([{"
            depth -= token in ")]}"


def _object(attributes: dict[str, Any], optional: Any) -> list[Any]:
    optional = sorted(optional)
    return ["object", attributes, optional] if optional else ["object", attributes]


def hcl_type(text: str) -> Any:
    parser = _TypeParser(text)
    parsed = parser.parse()
    assert parser.peek() == "", f"trailing tokens in {text!r}"
    return parsed


def schema_type(attribute: dict[str, Any]) -> Any:
    """An attribute's type in the form above: nested attributes become (lists of) objects whose
    attributes that are not required are optional."""
    nested = attribute.get("nested_type")
    if nested is None:
        return _normalized(attribute["type"])
    attrs = nested["attributes"]
    obj = _object(
        {k: schema_type(a) for k, a in attrs.items()}, [k for k, a in attrs.items() if not a.get("required")]
    )
    return obj if nested["nesting_mode"] == "single" else [nested["nesting_mode"], obj]


def _normalized(ty: Any) -> Any:
    if isinstance(ty, str):
        return ty
    if ty[0] == "object":
        return _object({k: _normalized(v) for k, v in ty[1].items()}, ty[2] if len(ty) > 2 else ())
    return [ty[0], _normalized(ty[1])]


def test_the_type_reader_reads_optional_attributes_and_their_defaults():
    text = 'list(object({\n  a = string # comment\n  b = optional(object({ c = number }), { c = 1 })\n  d = optional(string, "x")\n}))'
    assert hcl_type(text) == [
        "list",
        ["object", {"a": "string", "b": ["object", {"c": "number"}], "d": "string"}, ["b", "d"]],
    ]


# ---- the comparisons -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def resource(provider_schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return dict(provider_schema["resource_schemas"][RESOURCE]["block"]["attributes"])


@pytest.fixture(scope="module")
def inputs(resource: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {name: a for name, a in resource.items() if a.get("required") or a.get("optional")}


def _variables() -> dict[str, module_readme.Block]:
    return {b.name: b for b in module_readme.parse_blocks((MODULE / "variables.tf").read_text())}


def _outputs() -> set[str]:
    return {b.name for b in module_readme.parse_blocks((MODULE / "outputs.tf").read_text())}


def test_every_input_of_the_resource_is_a_module_variable_and_nothing_else_is(inputs):
    variables = _variables()
    missing = sorted(set(inputs) - set(variables))
    assert not missing, (
        f"{RESOURCE} inputs the module lacks: {', '.join(missing)}: add them to "
        "modules/chat_completion/variables.tf (same name, type and description) and pass them on in main.tf"
    )
    extra = sorted(set(variables) - set(inputs))
    assert not extra, f"module variables that are no input of {RESOURCE}: {', '.join(extra)}"


def test_every_variable_is_passed_to_the_resource_under_its_name():
    main = (MODULE / "main.tf").read_text()
    for name in _variables():
        assert re.search(rf"^\s*{name}\s*=.*\bvar\.{name}\b", main, re.M), (
            f"main.tf does not set {name} from var.{name}"
        )


@pytest.mark.requires_terraform(
    "1.1", "nested attributes; 1.0 gets object-typed ones, without the inner optional fields the module has"
)
def test_every_variable_has_the_type_and_requiredness_of_the_attribute(inputs):
    wrong = []
    for name, block in _variables().items():
        attribute = inputs.get(name)
        if attribute is None:
            continue
        module, provider = hcl_type(block.attributes["type"]), schema_type(attribute)
        if module != provider:
            wrong.append(f"{name}: the module has {module}, the resource {provider}")
        if ("default" not in block.attributes) != bool(attribute.get("required")):
            wrong.append(
                f"{name}: required in {'the resource' if attribute.get('required') else 'the module'} only"
            )
    assert not wrong, "\n".join(wrong)


def test_every_variable_has_the_description_of_the_attribute(inputs):
    wrong = []
    for name, block in _variables().items():
        if name not in inputs:
            continue
        ours = module_readme.string_value(block.attributes.get("description"))
        theirs = SEED_DESCRIPTIONS.get(name) or inputs[name]["description"]
        if ours != theirs and not ours.startswith(theirs + (" " if name not in SEED_DESCRIPTIONS else "")):
            wrong.append(f"{name}: {ours!r} does not start with {theirs!r}")
    assert not wrong, "\n".join(wrong)


def test_every_computed_attribute_is_an_output(resource):
    computed = {name for name, a in resource.items() if a.get("computed") and not a.get("optional")}
    missing = sorted(
        RENAMED_OUTPUTS.get(name, name)
        for name in computed
        if RENAMED_OUTPUTS.get(name, name) not in _outputs()
    )
    assert not missing, f"{RESOURCE} attributes the module does not output: {', '.join(missing)}"
