"""The stored-completion examples of the module README (the seed's) run verbatim: only the module
`source` changes, the conversation the metadata example elides is written out, and a
`required_providers` block and a provider block are added.

The HCL is read at test time from the fenced ```hcl blocks of `modules/chat_completion/README.md`."""

from __future__ import annotations

import re

import pytest

from tests.examples.readme_blocks import fill_elisions, readme_text
from tests.support.terraform import REPO, provider_block, required_providers

MODULE = REPO / "modules" / "chat_completion"
PLACEHOLDER = 'source = "path/to/modules/chat_completion"'

STORED_EXAMPLES = (
    'module "storable_chat"',
    'module "storable_chat_with_metadata"',
    'data "openai_chat_completion" "retrieved"',
)


def stored_examples() -> list[str]:
    blocks = re.findall(r"```hcl\n(.*?)```", readme_text(), re.S)
    chosen = [b for b in blocks if b.lstrip().startswith(STORED_EXAMPLES)]
    assert len(chosen) == len(STORED_EXAMPLES), (
        f"expected the {len(STORED_EXAMPLES)} stored examples, got {chosen}"
    )
    return [fill_elisions(b.replace(PLACEHOLDER, f'source = "{MODULE}"')) for b in chosen]


@pytest.mark.requires_terraform("1.5", "the module's check block")
def test_seed_stored_completion_examples_run_verbatim(ws, local):
    if not (MODULE / "main.tf").is_file():
        pytest.skip("modules/chat_completion is not there yet")
    examples = stored_examples()
    assert all(f'source = "{MODULE}"' in e for e in examples[:2])
    ws.write(required_providers() + provider_block(local.base_url) + "\n" + "\n".join(examples))
    ws.init()
    ws.apply()

    # the data source reads back, through the stored-completions API, what the module created
    assert ws.outputs()["retrieved_content"] == "Local reply to: What's the capital of France?"
    completion_id = ws.resource("module.storable_chat.openai_chat_completion.this[0]")["id"]
    assert ("GET", f"/v1/chat/completions/{completion_id}") in [
        (r["method"], r["path"]) for r in local.requests()
    ]
    creates = [r for r in local.requests() if r["method"] == "POST" and r["path"] == "/v1/chat/completions"]
    assert len(creates) == 2
    assert all(c["body"]["store"] is True for c in creates)
    assert {c["body"]["metadata"].get("category") for c in creates} == {None, "geography"}

    code, plan = ws.plan_exit_code()
    assert code == 0, plan
