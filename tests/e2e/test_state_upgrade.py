"""A state written by the previous provider version still plans no change.

`data/schema0.tfstate` is what the provider at commit 80eb98a (resource schema version 0) wrote
when it applied `data/schema0.tf` against the local server: tool calls, legacy functions, a JSON
schema response format, sampling settings, keepers and a stored completion with its create
marker in private state. Terraform passes each instance through UpgradeResourceState before
anything else; the plan must then be empty and cost no API call but the stored completion's read.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

from openai import OpenAI

from tests.support.terraform import provider_block, required_providers

DATA = Path(__file__).parent / "data"


def stored_instance(state: dict) -> dict:
    [resource] = [r for r in state["resources"] if r["name"] == "stored"]
    [instance] = resource["instances"]
    return instance


def test_state_of_schema_version_0_plans_no_change(ws, local):
    state = json.loads((DATA / "schema0.tfstate").read_text())
    assert {i["schema_version"] for r in state["resources"] for i in r["instances"]} == {0}

    # the stored completion that state tracks, at this test's (empty) server, marker and all
    stored = stored_instance(state)
    marker = json.loads(base64.b64decode(stored["private"]))["create_marker"]
    client = OpenAI(base_url=local.base_url, api_key="sk-local-test", max_retries=0)
    completion = client.chat.completions.create(
        model="gpt-4o",
        store=True,
        metadata={"env": "test", "terraform_create_marker": marker},
        messages=[{"role": "user", "content": "Keep me"}],
    )
    stored["attributes"]["id"] = completion.id

    ws.write(required_providers() + provider_block(local.base_url) + (DATA / "schema0.tf").read_text())
    (ws.path / "terraform.tfstate").write_text(json.dumps(state, indent=2))
    ws.init()
    local.clear_requests()

    code, result = ws.plan_exit_code()
    assert code == 0, result
    assert "No changes." in result.stdout
    assert [(r["method"], r["path"]) for r in local.requests()] == [
        ("GET", f"/v1/chat/completions/{completion.id}")
    ]
    # the outputs written by the previous version read as they were
    assert ws.resource("openai_chat_completion.tools")["response_model"] == "gpt-4o"
    assert ws.resource("openai_chat_completion.legacy")["function_call"] == "get_time"
