"""The stored-completion examples of the module README (the seed) run verbatim: only the module
`source` changes, and a `required_providers` block and a provider block are added.

The HCL is read at test time from the fenced ```hcl blocks of the seed README
(`/work/shared/seeds/004_*.txt` when present) or else of `modules/chat_completion/README.md`,
which carries the same examples."""

from __future__ import annotations

import glob
import re
from pathlib import Path

import pytest

from tests.support.terraform import REPO, provider_block, required_providers

MODULE = REPO / "modules" / "chat_completion"
SEED_GLOB = "/work/shared/seeds/004_*.txt"
PLACEHOLDER = 'source = "path/to/modules/chat_completion"'

STORED_EXAMPLES = (
    'module "storable_chat"',
    'module "storable_chat_with_metadata"',
    'data "openai_chat_completion" "retrieved"',
)


def readme_text() -> str:
    seeds = sorted(glob.glob(SEED_GLOB))
    source = Path(seeds[0]) if seeds else MODULE / "README.md"
    if not source.is_file():
        pytest.skip("neither the seed README nor modules/chat_completion/README.md is here")
    return source.read_text()


def stored_examples() -> list[str]:
    blocks = re.findall(r"```hcl\n(.*?)```", readme_text(), re.S)
    chosen = [b for b in blocks if b.lstrip().startswith(STORED_EXAMPLES)]
    assert len(chosen) == len(STORED_EXAMPLES), (
        f"expected the {len(STORED_EXAMPLES)} stored examples, got {chosen}"
    )
    return [b.replace(PLACEHOLDER, f'source = "{MODULE}"') for b in chosen]


def flat(text: str) -> str:
    return " ".join(text.split())


def test_seed_stored_completion_examples_run_verbatim(ws, local):
    if not (MODULE / "main.tf").is_file():
        pytest.skip("modules/chat_completion is not there yet")
    examples = stored_examples()
    assert all(f'source = "{MODULE}"' in e for e in examples[:2])
    ws.write(required_providers() + provider_block(local.base_url) + "\n" + "\n".join(examples))
    ws.init()
    result = ws.apply()

    # the data source reads back, through the stored-completions API, what the module created
    assert ws.outputs()["retrieved_content"] == "Local reply to: What's the capital of France?"
    completion_id = ws.resource("module.storable_chat.openai_chat_completion.this[0]")["id"]
    assert ("GET", f"/v1/chat/completions/{completion_id}") in [
        (r["method"], r["path"]) for r in local.requests()
    ]
    creates = [r for r in local.requests() if r["method"] == "POST" and r["path"] == "/v1/chat/completions"]
    assert len(creates) == 1  # the metadata example has no messages: it creates nothing
    assert creates[0]["body"]["store"] is True
    assert "messages is empty" in flat(result.output)

    code, plan = ws.plan_exit_code()
    assert code == 0, plan
