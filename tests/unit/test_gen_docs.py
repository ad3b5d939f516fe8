"""scripts/gen_docs.py's rendering, on a made-up schema: the `## Schema` section as tfplugindocs
writes it (groups, types in words, flags, nested sections and their anchors) and the template
subset. tests/docs checks the real pages against the installed provider."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
import gen_docs  # noqa: E402

SCHEMA = {
    "version": 0,
    "block": {
        "description": "A `thing`.",
        "attributes": {
            "name": {"type": "string", "description": "Its name.", "required": True},
            "token": {"type": "string", "description": "A secret.", "optional": True, "sensitive": True},
            "old": {
                "type": ["list", "number"],
                "description": "Use `new`.",
                "optional": True,
                "deprecated": True,
            },
            "labels": {"type": ["map", "bool"], "optional": True},
            "id": {"type": "string", "description": "The ID.", "computed": True},
            "call": {
                "type": ["object", {"name": "string", "args": "string"}, ["args"]],
                "description": "A call.",
                "optional": True,
            },
            "rules": {
                "nested_type": {
                    "nesting_mode": "list",
                    "max_items": 3,
                    "attributes": {
                        "kind": {"type": "string", "description": "Kind.", "required": True},
                        "extra": {
                            "nested_type": {
                                "nesting_mode": "single",
                                "attributes": {"x": {"type": "number", "optional": True}},
                            },
                            "optional": True,
                        },
                    },
                },
                "description": "Rules.",
                "optional": True,
            },
            "answers": {
                "type": [
                    "list",
                    ["object", {"text": "string", "parts": ["list", ["object", {"n": "number"}]]}],
                ],
                "computed": True,
            },
        },
    },
}

EXPECTED = """\
## Schema

### Required

- `name` (String) Its name.

### Optional

- `call` (Object) A call. (see [below for nested schema](#nestedatt--call))
- `labels` (Map of Boolean)
- `old` (List of Number, Deprecated) Use `new`.
- `rules` (Attributes List, Max: 3) Rules. (see [below for nested schema](#nestedatt--rules))
- `token` (String, Sensitive) A secret.

### Read-Only

- `answers` (List of Object) (see [below for nested schema](#nestedatt--answers))
- `id` (String) The ID.

<a id="nestedatt--call"></a>
### Nested Schema for `call`

Required:

- `name` (String)

Optional:

- `args` (String)

<a id="nestedatt--rules"></a>
### Nested Schema for `rules`

Required:

- `kind` (String) Kind.

Optional:

- `extra` (Attributes) (see [below for nested schema](#nestedatt--rules--extra))

<a id="nestedatt--rules--extra"></a>
### Nested Schema for `rules.extra`

Optional:

- `x` (Number)

<a id="nestedatt--answers"></a>
### Nested Schema for `answers`

Read-Only:

- `parts` (List of Object) (see [below for nested schema](#nestedobjatt--answers--parts))
- `text` (String)

<a id="nestedobjatt--answers--parts"></a>
### Nested Schema for `answers.parts`

Read-Only:

- `n` (Number)
"""


def test_schema_markdown_is_tfplugindocs_layout():
    assert gen_docs.schema_markdown(SCHEMA) == EXPECTED


def test_a_deprecated_type_says_so_first():
    schema = {"block": {**SCHEMA["block"], "deprecated": True}}
    assert gen_docs.schema_markdown(schema).startswith("## Schema\n\n~> **Deprecated:**")


def test_templates_take_values_files_and_pipes(tmp_path: Path):
    (tmp_path / "x.tf").write_text('\nresource "a" "b" {}\n\n')
    template = (
        '---\ndescription: |-\n{{ .Description | plainmarkdown | trimspace | prefixlines "  " }}\n---\n'
        '# {{ .Name }}\n{{ tffile "x.tf" }}\n{{ codefile "shell" "x.tf" }}\n'
    )
    out = gen_docs.render_template(template, {"Name": "n", "Description": " A `thing` [link](u). "}, tmp_path)
    assert out == (
        "---\ndescription: |-\n  A thing link.\n---\n# n\n"
        '```terraform\nresource "a" "b" {}\n```\n```shell\nresource "a" "b" {}\n```\n'
    )


@pytest.mark.parametrize("action", ["{{ .Nope }}", "{{ .Name | upper }}", '{{ template "x" }}'])
def test_templates_refuse_what_they_do_not_support(action: str):
    with pytest.raises(ValueError):
        gen_docs.render_template(action, {"Name": "n"})


def test_generated_pages_keep_front_matter_first():
    page = gen_docs._mark_generated("---\npage_title: x\n---\n\n# x\n")
    assert page == f"---\n{gen_docs.GENERATED_YAML}\npage_title: x\n---\n{gen_docs.GENERATED_HTML}\n\n# x\n"
