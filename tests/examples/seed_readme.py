"""The module's promise: the seed README (shared/seeds/004_*.txt) and its fenced HCL blocks."""

from __future__ import annotations

import re
from pathlib import Path

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
MODULE_SOURCE_PLACEHOLDER = "path/to/modules/chat_completion"

_FENCE = re.compile(r"^```hcl[ \t]*\n(.*?)^```", re.M | re.S)
_HEADING = re.compile(r"^#+ +(.*)$", re.M)


def seed_readme() -> Path | None:
    found = sorted(SEEDS.glob("004_*.txt"))
    return found[0] if found else None


def hcl_blocks(text: str) -> list[tuple[str, str]]:
    """Every ```hcl block as (the heading it sits under, its text), in order."""
    blocks = []
    for m in _FENCE.finditer(text):
        headings = _HEADING.findall(text, 0, m.start())
        blocks.append((headings[-1].strip() if headings else "", m.group(1)))
    return blocks
