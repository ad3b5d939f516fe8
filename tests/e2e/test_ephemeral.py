"""The ephemeral `openai_chat_completion` (Terraform 1.10+): its answer configures another provider
instance, and neither its prompt nor its answer reaches state, a saved plan or `terraform show`.
`store`/`metadata` are refused at plan. Terraform older than 1.10 gets its own error for an
`ephemeral` block, and the provider keeps working there for everything else."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.support.localserver import LocalServer
from tests.support.terraform import (
    REPO,
    TerraformHome,
    Workspace,
    provider_block,
    require_terraform,
    required_providers,
    terraform_binary,
    terraform_version,
)

SECRET_PROMPT = "EPHEMERAL-PROMPT-7f3a9c"
SECRET_ANSWER = f"Local reply to: {SECRET_PROMPT}"
HEADER = "x-generated-by-ephemeral"


def _creates(server: LocalServer) -> list[dict[str, Any]]:
    return [r for r in server.requests() if r["method"] == "POST" and r["path"] == "/v1/chat/completions"]


def _by_prompt(server: LocalServer, prompt: str) -> list[dict[str, Any]]:
    return [r for r in _creates(server) if r["body"]["messages"][-1]["content"] == prompt]


def _ephemeral(prompt: str = SECRET_PROMPT, extra: str = "") -> str:
    return f"""
ephemeral "openai_chat_completion" "header" {{
  model    = "gpt-4o"
  messages = [{{ role = "user", content = "{prompt}" }}]{extra}
}}
"""


def _configures_another_provider(server: LocalServer) -> str:
    """The prompt comes from an ephemeral variable (Terraform 1.10+): a literal prompt would be in
    the configuration, which a saved plan carries a copy of."""
    return (
        required_providers()
        + provider_block(server.base_url)
        + """
variable "prompt" {
  type      = string
  ephemeral = true
}
"""
        + """
ephemeral "openai_chat_completion" "header" {
  model    = "gpt-4o"
  messages = [{ role = "user", content = var.prompt }]
}
"""
        + f"""
provider "openai" {{
  alias           = "tagged"
  api_key         = "sk-local-test"
  base_url        = "{server.base_url}"
  default_headers = {{ "{HEADER}" = ephemeral.openai_chat_completion.header.content }}
}}

resource "openai_chat_completion" "kept" {{
  provider = openai.tagged
  model    = "gpt-4o"
  messages = [{{ role = "user", content = "persisted prompt" }}]
}}

output "kept" {{ value = openai_chat_completion.kept.content }}
"""
    )


def _plan_file_text(path: Path) -> str:
    """Every member of a saved plan (a zip archive), uncompressed."""
    with zipfile.ZipFile(path) as archive:
        return "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())


@pytest.fixture
def modern(ws: Workspace) -> Workspace:
    require_terraform(ws.home.version, "1.10", "ephemeral resources")
    return ws


def test_the_answer_configures_another_provider_and_is_never_persisted(
    modern: Workspace, local: LocalServer
) -> None:
    ws = modern
    ws.write(_configures_another_provider(local))
    ws.init()
    prompt = {"TF_VAR_prompt": SECRET_PROMPT}

    ws.run("plan", "-no-color", "-input=false", "-out=tfplan", env=prompt)
    assert len(_by_prompt(local, SECRET_PROMPT)) == 1  # opened once for the plan
    assert _by_prompt(local, "persisted prompt") == []  # planned, not created
    shown = ws.run("show", "-json", "tfplan").stdout
    raw_plan = _plan_file_text(ws.path / "tfplan")
    for text in (shown, raw_plan):
        assert SECRET_PROMPT not in text and "Local reply to" not in text
    assert "persisted prompt" in shown  # the resource's own inputs are planned as usual

    ws.run("apply", "-no-color", "-input=false", "-auto-approve", "tfplan", env=prompt)
    # opened again for the apply; the resource created through the aliased provider carries the
    # header its configuration took from the ephemeral answer
    ephemeral = _by_prompt(local, SECRET_PROMPT)
    [kept] = _by_prompt(local, "persisted prompt")
    assert len(ephemeral) == 2
    assert kept["headers"].get(HEADER) == SECRET_ANSWER
    assert all(HEADER not in r["headers"] for r in ephemeral)  # the default provider has no header
    assert all("store" not in r["body"] and "metadata" not in r["body"] for r in ephemeral)
    assert ws.outputs()["kept"] == "Local reply to: persisted prompt"

    state = ws.raw_state()
    assert SECRET_PROMPT not in state and SECRET_ANSWER not in state
    assert "persisted prompt" in state
    # only the resource: the ephemeral completion shows at most as the address it depends on
    assert [(r["mode"], r["type"]) for r in json.loads(state)["resources"]] == [
        ("managed", "openai_chat_completion")
    ]
    assert SECRET_PROMPT not in ws.run("show", "-no-color").stdout

    result = ws.run("plan", "-no-color", "-input=false", "-detailed-exitcode", env=prompt, check=False)
    assert result.returncode == 0, (
        result
    )  # nothing to change: the answer is not compared with anything stored


def test_store_and_metadata_are_refused_at_plan_naming_the_attribute(
    modern: Workspace, local: LocalServer
) -> None:
    ws = modern
    ws.write(
        required_providers()
        + provider_block(local.base_url)
        + _ephemeral(extra='\n  store    = true\n  metadata = { team = "a" }')
    )
    ws.init()
    result = ws.plan(check=False)
    assert result.returncode == 1, result
    text = " ".join(result.stderr.split())
    assert "Error: Invalid store" in text and "store = true" in text
    assert "Error: Invalid metadata" in text
    assert 'ephemeral "openai_chat_completion" "header"' in result.stderr  # terraform shows the block
    assert _creates(local) == []  # refused before anything was sent


def test_an_api_error_at_open_is_an_open_chat_completion_error(modern: Workspace, local: LocalServer) -> None:
    ws = modern
    ws.write(required_providers() + provider_block(local.base_url, max_retries=0) + _ephemeral())
    ws.init()
    local.inject_fault("500")
    result = ws.plan(check=False)
    assert result.returncode == 1, result
    text = " ".join(result.stderr.split())
    assert "Error: Open Chat Completion Error" in text and "The API answered HTTP 500" in text
    assert len(_creates(local)) == 1  # max_retries = 0: the resource's retry settings apply


@pytest.mark.parametrize("fault", ["500-after-store", "drop"])
def test_a_5xx_after_the_work_or_a_dropped_connection_at_open_is_retried_and_stores_nothing(
    modern: Workspace, local: LocalServer, fault: str
) -> None:
    """The open is the resource's unstored create: the SDK's retry answers a failed attempt, and
    since an ephemeral completion is never stored, a retry can leave nothing behind at the API."""
    ws = modern
    ws.write(required_providers() + provider_block(local.base_url, max_retries=2) + _ephemeral())
    ws.init()
    local.inject_fault(fault, count=1, path_prefix="/v1/chat/completions")
    result = ws.plan()
    assert "Error" not in result.stderr, result
    assert len(_creates(local)) == 2  # the failed attempt and its retry, nothing more
    assert all(not r["body"].get("store") for r in _creates(local))
    assert local.stored_ids() == []


def test_a_timeout_at_open_is_an_open_chat_completion_error_and_stores_nothing(modern: Workspace) -> None:
    with LocalServer.start("--latency-ms", "3000") as slow:
        modern.write(
            required_providers() + provider_block(slow.base_url, timeout=1, max_retries=0) + _ephemeral()
        )
        modern.init()
        result = modern.plan(check=False)
        assert result.returncode == 1, result
        text = " ".join(result.stderr.split())
        assert "Error: Open Chat Completion Error" in text and "timed out" in text.lower(), text
        assert len(_creates(slow)) == 1
        assert slow.stored_ids() == []


# ---- Terraform older than 1.10 -----------------------------------------------------------------


def _legacy_terraform() -> str:
    """A Terraform older than 1.10: $TERRAFORM_LEGACY, else `make terraform-legacy`'s (1.0.3), else
    the suite's own when it is that old (`make test` with the 1.0.3 fallback)."""
    for candidate in (os.environ.get("TERRAFORM_LEGACY"), str(REPO / ".tools" / "legacy" / "terraform")):
        if candidate and os.access(candidate, os.X_OK):
            if terraform_version(candidate) >= (1, 10, 0):
                pytest.skip(f"{candidate} is not older than 1.10")
            return candidate
    if terraform_version(terraform_binary()) < (1, 10, 0):
        return terraform_binary()
    pytest.skip("no Terraform older than 1.10: set TERRAFORM_LEGACY or run `make terraform-legacy`")


@pytest.fixture(scope="module")
def legacy_home(tmp_path_factory: pytest.TempPathFactory) -> TerraformHome:
    return TerraformHome(tmp_path_factory.mktemp("terraform-legacy"), binary=_legacy_terraform())


def test_older_terraform_rejects_the_ephemeral_block_itself(
    legacy_home: TerraformHome, tmp_path: Path, local: LocalServer
) -> None:
    ws = legacy_home.workspace(tmp_path / "work")
    ws.write(required_providers() + provider_block(local.base_url) + _ephemeral())
    for result in (ws.init(check=False), ws.plan(check=False)):  # refused before any provider starts
        assert result.returncode == 1, result
        text = " ".join(result.stderr.split())
        assert (
            'Error: Unsupported block type on main.tf line 13: 13: ephemeral "openai_chat_completion"' in text
        )
        assert 'Blocks of type "ephemeral" are not expected here' in text, result
    assert "Plugin did not respond" not in text and "panic" not in text.lower()
    assert _creates(local) == []


def test_older_terraform_still_reads_the_schema_and_a_data_source(
    legacy_home: TerraformHome, tmp_path: Path, local: LocalServer
) -> None:
    ws = legacy_home.workspace(tmp_path / "work")
    ws.write(
        required_providers()
        + provider_block(local.base_url)
        + """
data "openai_chat_completions" "all" {}
output "count" { value = length(data.openai_chat_completions.all.chat_completions) }
"""
    )
    ws.init()
    schema = ws.run("providers", "schema", "-json").stdout
    assert '"openai_chat_completion"' in schema
    ws.apply()
    assert ws.outputs()["count"] == 0
