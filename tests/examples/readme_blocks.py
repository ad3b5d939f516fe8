"""The module's promise: the fenced HCL blocks of `modules/chat_completion/README.md`, whose usage
examples are the ones the project's seed README gave (verbatim; `test_module.py` keeps them there).
"""

from __future__ import annotations

import re
from pathlib import Path

MODULE_README = Path(__file__).resolve().parents[2] / "modules" / "chat_completion" / "README.md"
MODULE_SOURCE_PLACEHOLDER = "path/to/modules/chat_completion"
# The README's metadata example elides its conversation; a user writes one there (the module refuses
# an empty `messages`, as the API does). The tests fill it with this message.
ELIDED_MESSAGES = re.compile(r"messages = \[\s*# \.\.\. messages \.\.\.\s*\]")
FILLED_MESSAGES = 'messages = [{ role = "user", content = "What\'s the capital of Peru?" }]'

_FENCE = re.compile(r"^```hcl[ \t]*\n(.*?)^```", re.M | re.S)
_HEADING = re.compile(r"^#+ +(.*)$", re.M)


def readme_text() -> str:
    return MODULE_README.read_text()


def hcl_blocks(text: str) -> list[tuple[str, str]]:
    """Every ```hcl block as (the heading it sits under, its text), in order."""
    blocks = []
    for m in _FENCE.finditer(text):
        headings = _HEADING.findall(text, 0, m.start())
        blocks.append((headings[-1].strip() if headings else "", m.group(1)))
    return blocks


def fill_elisions(block: str) -> str:
    """A README block as a user would write it: the elided conversation written out."""
    return ELIDED_MESSAGES.sub(FILLED_MESSAGES, block)
