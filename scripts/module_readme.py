#!/usr/bin/env python3
"""Generate the Inputs and Outputs tables of a module README from its variables.tf and outputs.tf.

    python scripts/module_readme.py                 # rewrite modules/chat_completion/README.md
    python scripts/module_readme.py --check         # exit 1 when the README is out of date
    python scripts/module_readme.py modules/other   # another module directory

The tables go between `<!-- BEGIN_TF_DOCS -->` and `<!-- END_TF_DOCS -->` (terraform-docs' markers,
so the section can later be handed to terraform-docs unchanged). The files are read with a real
HCL parser (python-hcl2, in the `dev` extra); a table cell shows an expression as it is written.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import hcl2
from lark import Token, Tree

REPO = Path(__file__).resolve().parents[1]
DEFAULT_MODULE = REPO / "modules" / "chat_completion"
BEGIN = "<!-- BEGIN_TF_DOCS -->"
END = "<!-- END_TF_DOCS -->"


@dataclass
class Block:
    kind: str
    name: str
    attributes: dict[str, str]  # attribute name -> expression source text


def _source(text: str, node: Tree) -> str:
    """The source text of a parsed expression, its comments blanked out (an `object({ ... })` type
    may carry some) and its ends trimmed."""
    start, end = node.meta.start_pos, node.meta.end_pos
    out = list(text[start:end])
    for token in node.scan_values(lambda v: isinstance(v, Token) and v.type == "NL_OR_COMMENT"):
        assert token.start_pos is not None and token.end_pos is not None
        for i in range(token.start_pos, min(token.end_pos, end)):
            if out[i - start] != "\n":
                out[i - start] = " "
    return "".join(out).strip()


def _children(node: Tree, data: str) -> list[Tree]:
    return [c for c in node.children if isinstance(c, Tree) and c.data == data]


def _label(node: Tree | Token) -> str:
    """A block label: an identifier or a string literal without its quotes."""
    if isinstance(node, Token):
        return str(node)
    if node.data == "identifier":
        return str(node.children[0])
    return "".join(str(t) for t in node.scan_values(lambda v: isinstance(v, Token) and v.type != "DBLQUOTE"))


def parse_blocks(text: str) -> list[Block]:
    """The top-level `variable` and `output` blocks of a file, each with its own attributes (the
    source text of each expression); nested blocks such as `validation` are not attributes."""
    tree = hcl2.parses_to_tree(text)
    blocks = []
    for body in _children(tree, "body"):
        for block in _children(body, "block"):
            labels = [
                _label(c)
                for c in block.children
                if isinstance(c, Tree) and c.data in ("identifier", "string")
            ]
            if len(labels) != 2 or labels[0] not in ("variable", "output"):
                continue
            attributes = {}
            for block_body in _children(block, "body"):
                for attr in _children(block_body, "attribute"):
                    name, *_, expression = attr.children
                    assert isinstance(name, Tree) and isinstance(expression, Tree)
                    attributes[_label(name)] = _source(text, expression)
            blocks.append(Block(labels[0], labels[1], attributes))
    return blocks


_HEREDOC = re.compile(r"<<(-?)([A-Za-z_][A-Za-z0-9_-]*)\n(.*?)\n?[ \t]*\2\Z", re.S)


def string_value(expr: str | None) -> str:
    """The value of a quoted string literal (escapes resolved) or a heredoc (whitespace folded); other
    expressions as written."""
    if not expr:
        return ""
    heredoc = _HEREDOC.fullmatch(expr)
    if heredoc:
        return " ".join(heredoc.group(3).split())
    if expr.startswith('"') and expr.endswith('"'):
        return re.sub(r"\\(.)", lambda m: {"n": " ", "t": " "}.get(m.group(1), m.group(1)), expr[1:-1])
    return expr


def short_type(expr: str | None) -> str:
    """A type constraint for a table cell: one line, object attributes folded (`list(object)`)."""
    if not expr:
        return "any"
    text = " ".join(expr.split())
    while True:
        start = text.find("object(")
        if start == -1:
            break
        depth, i = 0, start + len("object")
        while i < len(text):
            if text[i] == "(":
                depth += 1
            elif text[i] == ")":
                depth -= 1
                if depth == 0:
                    break
            i += 1
        text = text[:start] + "OBJECT" + text[i + 1 :]
    return text.replace("OBJECT", "object")


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _default(expr: str) -> str:
    text = " ".join(expr.split())
    return f"`{text}`" if len(text) <= 40 else "see variables.tf"


def render_tables(module: Path) -> str:
    variables = parse_blocks((module / "variables.tf").read_text())
    outputs = parse_blocks((module / "outputs.tf").read_text())
    lines = [
        "## Inputs",
        "",
        "| Name | Description | Type | Default | Required |",
        "|------|-------------|------|---------|:--------:|",
    ]
    for v in variables:
        required = "default" not in v.attributes
        default = "n/a" if required else _default(v.attributes["default"])
        lines.append(
            f"| `{v.name}` | {_cell(string_value(v.attributes.get('description')))} "
            f"| `{short_type(v.attributes.get('type'))}` | {default} | {'yes' if required else 'no'} |"
        )
    lines += ["", "## Outputs", "", "| Name | Description |", "|------|-------------|"]
    for o in outputs:
        lines.append(f"| `{o.name}` | {_cell(string_value(o.attributes.get('description')))} |")
    return "\n".join(lines)


def render_readme(module: Path) -> str:
    """The README with its generated section replaced by tables made from the module's files."""
    readme = (module / "README.md").read_text()
    if BEGIN not in readme or END not in readme:
        raise SystemExit(f"{module / 'README.md'} has no {BEGIN} ... {END} section")
    head, rest = readme.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{render_tables(module)}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("module", nargs="?", type=Path, default=DEFAULT_MODULE, help="module directory")
    parser.add_argument("--check", action="store_true", help="only report whether the README is up to date")
    args = parser.parse_args(argv)
    readme = args.module / "README.md"
    wanted = render_readme(args.module)
    if readme.read_text() == wanted:
        print(f"{readme}: up to date")
        return 0
    if args.check:
        print(f"{readme}: the Inputs/Outputs tables are out of date; run `make docs`", file=sys.stderr)
        return 1
    readme.write_text(wanted)
    print(f"{readme}: tables regenerated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
