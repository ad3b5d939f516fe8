#!/usr/bin/env python3
"""Generate the Inputs and Outputs tables of a module README from its variables.tf and outputs.tf.

    python scripts/module_readme.py                 # rewrite modules/chat_completion/README.md
    python scripts/module_readme.py --check         # exit 1 when the README is out of date
    python scripts/module_readme.py modules/other   # another module directory

The tables go between `<!-- BEGIN_TF_DOCS -->` and `<!-- END_TF_DOCS -->` (terraform-docs' markers,
so the section can later be handed to terraform-docs unchanged). Standard library only: a small
HCL scanner that understands what these files hold (blocks, attributes, strings, heredoc-free
expressions, comments), not all of HCL.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_MODULE = REPO / "modules" / "chat_completion"
BEGIN = "<!-- BEGIN_TF_DOCS -->"
END = "<!-- END_TF_DOCS -->"


@dataclass
class Block:
    kind: str
    name: str
    attributes: dict[str, str]  # attribute name -> expression source text


def _skip_string(text: str, i: int) -> int:
    """Index just past the string literal opening at text[i] (a double quote)."""
    i += 1
    depth = 0  # nesting of ${ ... } templates inside the string
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if depth == 0 and c == '"':
            return i + 1
        if text.startswith("${", i) or text.startswith("%{", i):
            depth += 1
            i += 2
            continue
        if depth and c == "}":
            depth -= 1
        i += 1
    raise ValueError("unterminated string")


def _strip_comments(text: str) -> str:
    """The text with comments blanked out (strings kept intact, offsets unchanged)."""
    out = list(text)
    i = 0
    while i < len(text):
        c = text[i]
        if c == '"':
            i = _skip_string(text, i)
        elif c == "#" or text.startswith("//", i):
            j = text.find("\n", i)
            j = len(text) if j == -1 else j
            out[i:j] = " " * (j - i)
            i = j
        elif text.startswith("/*", i):
            j = text.index("*/", i) + 2
            out[i:j] = [ch if ch == "\n" else " " for ch in text[i:j]]
            i = j
        else:
            i += 1
    return "".join(out)


def _expression_end(text: str, i: int) -> int:
    """End of the expression starting at text[i]: the first newline outside brackets and strings."""
    depth = 0
    while i < len(text):
        c = text[i]
        if c == '"':
            i = _skip_string(text, i)
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                return i
            depth -= 1
        elif c == "\n" and depth == 0:
            return i
        i += 1
    return i


def _matching_brace(text: str, i: int) -> int:
    """Index of the `}` closing the `{` at text[i]."""
    depth = 0
    while i < len(text):
        c = text[i]
        if c == '"':
            i = _skip_string(text, i)
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ValueError("unbalanced braces")


_BLOCK = re.compile(r'^[ \t]*(variable|output)[ \t]+"([^"]+)"[ \t]*\{', re.M)
_ATTRIBUTE = re.compile(r"[ \t]*([A-Za-z_][A-Za-z0-9_-]*)[ \t]*=(?!=)[ \t]*")
_NESTED_BLOCK = re.compile(r'[ \t]*[A-Za-z_][A-Za-z0-9_-]*([ \t]+"[^"]*")*[ \t]*\{')


def _attributes(body: str) -> dict[str, str]:
    """Top-level attributes of a block body (nested blocks such as `validation` are skipped)."""
    attrs: dict[str, str] = {}
    i = 0
    while i < len(body):
        if body[i] in " \t\n":
            i += 1
            continue
        m = _ATTRIBUTE.match(body, i)
        if m:
            end = _expression_end(body, m.end())
            attrs[m.group(1)] = body[m.end() : end].strip()
            i = end
            continue
        m = _NESTED_BLOCK.match(body, i)
        if m:
            i = _matching_brace(body, m.end() - 1) + 1
            continue
        i = _expression_end(body, i) + 1
    return attrs


def parse_blocks(text: str) -> list[Block]:
    text = _strip_comments(text)
    blocks = []
    pos = 0
    while m := _BLOCK.search(text, pos):
        close = _matching_brace(text, m.end() - 1)
        blocks.append(Block(m.group(1), m.group(2), _attributes(text[m.end() : close])))
        pos = close + 1
    return blocks


def string_value(expr: str | None) -> str:
    """The value of a quoted string literal (escapes resolved); other expressions as written."""
    if not expr:
        return ""
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
