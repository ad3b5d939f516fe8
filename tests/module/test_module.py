"""modules/chat_completion: its README keeps the seed's promise and its generated tables are current,
its HCL is formatted, and `terraform test` (mocked unit runs + integration runs against the local
server) passes every run."""

from __future__ import annotations

import re
import shutil
import sys

from tests.examples.readme_blocks import hcl_blocks, readme_text
from tests.support.terraform import REPO, require_terraform

MODULE = REPO / "modules" / "chat_completion"
sys.path.insert(0, str(REPO / "scripts"))
import module_readme  # noqa: E402


def test_readme_tables_are_generated_from_variables_and_outputs():
    readme = (MODULE / "README.md").read_text()
    assert readme == module_readme.render_readme(MODULE), (
        "modules/chat_completion/README.md: the Inputs/Outputs tables are out of date; run `make docs` "
        "(or `python scripts/module_readme.py`)"
    )


def test_every_variable_has_a_description_a_type_and_validation_where_the_api_has_rules():
    variables = module_readme.parse_blocks((MODULE / "variables.tf").read_text())
    assert variables, "no variables parsed"
    for v in variables:
        assert module_readme.string_value(v.attributes.get("description")), (
            f"variable {v.name}: no description"
        )
        assert v.attributes.get("type"), f"variable {v.name}: no type"
    text = (MODULE / "variables.tf").read_text()
    # any bool / any map of strings is a valid request on its own; parallel_tool_calls' one rule
    # involves `tools` too, so it is a precondition in main.tf
    unruled = {"store", "keepers", "logprobs", "parallel_tool_calls"}
    for v in variables:
        block = text[text.index(f'variable "{v.name}"') :]
        block = block[: block.find('\nvariable "') if '\nvariable "' in block else len(block)]
        if v.name not in unruled:
            assert "validation {" in block, f"variable {v.name}: no validation"


def test_every_output_has_a_description():
    outputs = module_readme.parse_blocks((MODULE / "outputs.tf").read_text())
    names = {o.name for o in outputs}
    assert {
        "id",
        "created",
        "model",
        "choices",
        "content",
        "finish_reason",
        "function_call",
        "usage",
    } <= names
    assert {"tool_calls", "metadata"} <= names
    for o in outputs:
        assert module_readme.string_value(o.attributes.get("description")), f"output {o.name}: no description"


def test_seed_inputs_keep_the_seed_defaults():
    defaults = {
        v.name: v.attributes.get("default")
        for v in module_readme.parse_blocks((MODULE / "variables.tf").read_text())
    }
    seed = {
        "functions": "null",
        "function_call": "null",
        "temperature": "1.0",
        "max_tokens": "null",
        "top_p": "1.0",
        "n": "1",
        "stop": "null",
        "presence_penalty": "0",
        "frequency_penalty": "0",
        "user": "null",
        "store": "false",
        "metadata": "null",
    }
    for name, default in seed.items():
        assert defaults.get(name) == default, (
            f"variable {name}: default {defaults.get(name)!r}, seed says {default}"
        )
    assert defaults["model"] is None and defaults["messages"] is None, "model and messages are required"


# The usage examples of the seed README the module was written from, by heading and first line: the
# README keeps them (verbatim: tests/examples runs each block as it is written).
SEED_EXAMPLES = [
    ("Basic Chat Completion", 'module "chat" {'),
    ("Function Calling Example", 'module "chat_with_functions" {'),
    ("Multi-Turn Conversation", 'module "conversation" {'),
    ("Message Format", "{"),
    ("Function Format", "{"),
    ("Chat Completions Store", 'module "storable_chat" {'),
    ("Chat Completions Store", 'module "storable_chat_with_metadata" {'),
    ("Chat Completions Store", 'data "openai_chat_completion" "retrieved" {'),
]


def test_readme_keeps_the_seed_usage_examples():
    ours = [(heading, block.splitlines()[0]) for heading, block in hcl_blocks(readme_text())]
    assert ours == SEED_EXAMPLES


def test_hcl_of_modules_and_examples_is_formatted(tf_home):
    for directory in ("modules", "examples"):  # one per call: older Terraform (1.0.3) takes at most one
        result = tf_home.workspace(REPO).run(
            "fmt", "-check", "-recursive", "-diff", "-no-color", directory, check=False
        )
        assert result.returncode == 0, f"run `make fmt`:\n{result}"


def test_terraform_test_passes_every_unit_and_integration_run(tf_home, local, tmp_path):
    require_terraform(tf_home.version, "1.7", "`terraform test` with mock_provider")
    copy = tmp_path / "chat_completion"
    shutil.copytree(
        MODULE, copy, ignore=shutil.ignore_patterns(".terraform", ".terraform.lock.hcl", "terraform.tfstate*")
    )
    ws = tf_home.workspace(copy)
    ws.init()
    result = ws.run(
        "test",
        "-no-color",
        check=False,
        env={"OPENAI_BASE_URL": local.base_url, "OPENAI_API_KEY": "sk-local-test"},
    )
    assert result.returncode == 0, str(result)
    summary = re.search(r"(\d+) passed, (\d+) failed", result.stdout)
    assert summary, str(result)
    passed, failed = int(summary.group(1)), int(summary.group(2))
    runs = sum(len(re.findall(r'^run "', p.read_text(), re.M)) for p in (copy / "tests").glob("*.tftest.hcl"))
    assert failed == 0 and passed == runs, (
        f"{passed} passed, {failed} failed of {runs} runs:\n{result.stdout}"
    )
    assert "skip" not in result.stdout.lower(), result.stdout
    # the integration runs really reached the server
    creates = [r for r in local.requests() if r["method"] == "POST" and r["path"] == "/v1/chat/completions"]
    assert len(creates) >= 6, creates
    # the run that sets the newer inputs sent every one of them, as set
    newer = {
        "max_completion_tokens": 3,
        "logit_bias": {"50256": -100},
        "logprobs": True,
        "top_logprobs": 2,
        "reasoning_effort": "low",
        "service_tier": "flex",
        "parallel_tool_calls": False,
    }
    sent = [c["body"] for c in creates if "max_completion_tokens" in c["body"]]
    assert len(sent) == 1, sent
    assert {k: sent[0].get(k) for k in newer} == newer, sent[0]
