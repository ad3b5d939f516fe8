"""Every example under examples/ and every HCL block of the module's README, applied with the
real terraform against the local server.

The examples and the module are copied into one temporary tree (keeping `../../modules/...`
valid) so that nothing is written into the repository. Each configuration gets one init and one
apply; a second plan only where "no changes after apply" is the example's point.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.examples.readme_blocks import MODULE_SOURCE_PLACEHOLDER, fill_elisions, hcl_blocks, readme_text
from tests.support.terraform import REPO, Workspace, provider_block, require_terraform, required_providers

EXAMPLES = REPO / "examples"
API_KEY = "sk-local-test"
REPLY = "Local reply to: "

SCENARIOS = [
    "quickstart",
    "basic-chat",
    "function-calling",
    "tools",
    "multi-turn",
    "structured-output",
    "stored-completion",
    "list-stored-completions",
    "keepers",
    "azure-openai",
    "openai-compatible-proxy",
]
#: Every .tf of examples/provider, examples/resources and examples/data-sources: the snippets
#: docs/ shows (tests/docs checks each is on its page), all applied together below.
REGISTRY_SNIPPETS = sorted(
    str(p.relative_to(EXAMPLES))
    for d in ("provider", "resources", "data-sources")
    for p in (EXAMPLES / d).rglob("*.tf")
)
# Terraform 1.10+ only: applied on their own, so that the snippets above still run on older ones.
EPHEMERAL_SNIPPETS = sorted(
    str(p.relative_to(EXAMPLES)) for p in (EXAMPLES / "ephemeral-resources").rglob("*.tf")
)


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of examples/ and modules/ side by side (state and .terraform land here, not in the repo)."""
    root = tmp_path_factory.mktemp("examples-tree")
    ignore = shutil.ignore_patterns(".terraform", ".terraform.lock.hcl", "terraform.tfstate*")
    shutil.copytree(EXAMPLES, root / "examples", ignore=ignore)
    shutil.copytree(REPO / "modules", root / "modules", ignore=ignore)
    return root


# Tests that need no terraform or not the module (the registry snippets use the provider alone).
_WITHOUT_MODULE = {"test_every_example_directory_is_covered", "test_readme_blocks_are_all_accounted_for"}


@pytest.fixture(autouse=True)
def _module_needs_terraform_1_5(request):
    if request.node.name in _WITHOUT_MODULE or request.node.name.startswith("test_registry_snippets"):
        return
    tf_home = request.getfixturevalue("tf_home")
    require_terraform(tf_home.version, "1.5", "the module's check block")


def _env(local) -> dict[str, str]:
    return {"OPENAI_BASE_URL": local.base_url, "OPENAI_API_KEY": API_KEY}


def _apply(tf_home, path: Path, env: dict[str, str], *args: str) -> Workspace:
    ws = tf_home.workspace(path)
    ws.init()
    ws.apply(*args, env=env)
    return ws


def _outputs(ws, env) -> dict:
    raw = json.loads(ws.run("output", "-json", env=env).stdout)
    return {k: v["value"] for k, v in raw.items()}


def _creates(local) -> list[dict]:
    return [r for r in local.requests() if r["method"] == "POST" and r["path"].endswith("/chat/completions")]


def test_every_example_directory_is_covered():
    dirs = {str(p.parent.relative_to(EXAMPLES)) for p in EXAMPLES.rglob("*.tf")}
    covered = set(SCENARIOS) | {str(Path(s).parent) for s in REGISTRY_SNIPPETS + EPHEMERAL_SNIPPETS}
    assert dirs == covered, (
        f"examples without a test: {sorted(dirs - covered)}; tests without an example: {sorted(covered - dirs)}"
    )
    for name in SCENARIOS:
        text = (EXAMPLES / name / "main.tf").read_text()
        assert 'source  = "registry.local/openai/openai"' in text, f"{name}: no required_providers"
        assert (EXAMPLES / name / "README.md").is_file(), f"{name}: no README.md"


# ---- scenario examples ------------------------------------------------------------------------


def test_quickstart_answers_calls_a_function_reads_back_the_stored_completion_and_replans_empty(
    tf_home, tree, local
):
    env = _env(local)
    ws = _apply(tf_home, tree / "examples" / "quickstart", env)
    out = _outputs(ws, env)
    assert out["answer"] == REPLY + "What is Terraform?"
    assert out["usage"]["total_tokens"] > 0
    assert out["function_call"]["name"] == "get_weather"
    assert "location" in out["function_arguments"]
    assert out["stored_completion_id"].startswith("chatcmpl-")
    assert out["stored_content"] == REPLY + "What's the capital of France?"
    assert out["stored_metadata"] == {"example": "quickstart", "category": "geography"}
    code, result = _plan_exit_code(ws, env)
    assert code == 0, result


def _plan_exit_code(ws, env, *args: str):
    result = ws.run("plan", "-no-color", "-input=false", "-detailed-exitcode", *args, check=False, env=env)
    return result.returncode, result


def test_basic_chat_returns_the_answer_and_usage(tf_home, tree, local):
    env = _env(local)
    out = _outputs(_apply(tf_home, tree / "examples" / "basic-chat", env), env)
    assert out["assistant_response"] == REPLY + "Tell me about the solar system."
    assert out["finish_reason"] == "stop"
    assert out["usage"]["total_tokens"] == out["usage"]["prompt_tokens"] + out["usage"]["completion_tokens"]
    body = _creates(local)[0]["body"]
    assert body["temperature"] == 0.7 and body["max_tokens"] == 500


def test_function_calling_returns_the_call_and_answers_with_its_result(tf_home, tree, local):
    env = _env(local)
    out = _outputs(_apply(tf_home, tree / "examples" / "function-calling", env), env)
    assert out["function_call"]["name"] == "get_weather"
    assert out["location"]
    assert out["answer"] == REPLY + "Summarize the weather in one sentence."
    second = _creates(local)[1]["body"]["messages"]
    assert [m["role"] for m in second] == ["user", "assistant", "function", "user"]
    assert second[1]["function_call"]["name"] == "get_weather"


def test_tools_example_calls_the_tool_and_answers_the_tool_message(tf_home, tree, local):
    env = _env(local)
    out = _outputs(_apply(tf_home, tree / "examples" / "tools", env), env)
    assert out["tool_call"]["function"]["name"] == "get_time"
    assert "city" in out["tool_arguments"]
    assert out["answer"] == REPLY + "What time is it in Tokyo?"
    second = _creates(local)[1]["body"]["messages"]
    assert second[2]["tool_call_id"] == out["tool_call"]["id"] == second[1]["tool_calls"][0]["id"]


def test_multi_turn_sends_the_whole_history_and_feeds_the_answer_back(tf_home, tree, local):
    env = _env(local)
    out = _outputs(_apply(tf_home, tree / "examples" / "multi-turn", env), env)
    assert out["recommendation"] == REPLY + "Can you recommend a book?"
    assert out["follow_up"] == REPLY + "Why that one?"
    first, second = (c["body"]["messages"] for c in _creates(local))
    assert len(first) == 4
    assert second[2] == {"role": "assistant", "content": out["recommendation"]}


def test_structured_output_follows_the_json_schema(tf_home, tree, local):
    env = _env(local)
    out = _outputs(_apply(tf_home, tree / "examples" / "structured-output", env), env)
    assert set(out["planet"]) == {"name", "summary", "moons", "has_rings", "notable_features"}
    assert isinstance(out["planet_name"], str)
    assert isinstance(out["json_mode"], dict)


def test_stored_completion_is_read_back_with_metadata_and_messages(tf_home, tree, local):
    env = _env(local)
    out = _outputs(_apply(tf_home, tree / "examples" / "stored-completion", env), env)
    assert out["completion_id"].startswith("chatcmpl-")
    assert out["retrieved_content"] == REPLY + "What's the capital of France?"
    assert out["retrieved_metadata"] == {"category": "geography", "user_id": "user123"}
    assert out["retrieved_messages"] == [
        "system: You are a helpful assistant.",
        "user: What's the capital of France?",
    ]


def test_list_stored_completions_finds_them_by_metadata(tf_home, tree, local):
    env = _env(local)
    out = _outputs(_apply(tf_home, tree / "examples" / "list-stored-completions", env), env)
    assert out["listed_count"] == 3
    assert out["listed"] == {c: f"{REPLY}What's the capital of {c}?" for c in ("France", "Japan", "Peru")}
    assert set(out["created_ids"]) == {"France", "Japan", "Peru"}


def test_keepers_change_replaces_the_completion_and_nothing_else_does(tf_home, tree, local):
    env = _env(local)
    ws = _apply(tf_home, tree / "examples" / "keepers", env)
    assert _outputs(ws, env)["release_notes"] == REPLY + "Changes: Faster start-up, Azure OpenAI support"
    code, result = _plan_exit_code(ws, env)
    assert code == 0, result
    code, result = _plan_exit_code(ws, env, "-var", "release=v1.1.0")
    assert code == 2 and "must be replaced" in result.stdout, result


def test_azure_openai_example_uses_the_deployment_route(tf_home, tree, local):
    env = {"OPENAI_API_KEY": API_KEY}  # no OPENAI_BASE_URL: the endpoint comes from the variable
    ws = _apply(
        tf_home, tree / "examples" / "azure-openai", env, "-var", f"azure_endpoint={local.azure_endpoint}"
    )
    out = _outputs(ws, env)
    assert out["content"] == REPLY + "Where was it played?"
    create = _creates(local)[0]
    assert create["path"] == "/openai/deployments/gpt-4o/chat/completions"
    assert "api-version=2024-10-21" in create["query"]


def test_proxy_example_sends_the_event_code_header_to_base_url(tf_home, tree, local):
    env = {}  # everything from variables, as the event administrator hands them out
    args = [
        "-var",
        f"proxy_endpoint_url={local.base_url}",
        "-var",
        "event_token=sk-event-token-0001",  # a key: the server's request log masks it
        "-var",
        "event_code=hackathon/tester",
    ]
    ws = _apply(tf_home, tree / "examples" / "openai-compatible-proxy", env, *args)
    assert _outputs(ws, env)["poem"].startswith(REPLY + "Write a poem about indian elephants")
    create = _creates(local)[0]
    headers = {k.lower(): v for k, v in create["headers"].items()}
    assert headers["openai-event-code"] == "hackathon/tester"
    assert create["body"]["max_tokens"] == 256


# ---- registry-style snippets ------------------------------------------------------------------


def _apply_snippets(ws: Workspace, snippets: list[str], env: dict[str, str]) -> Workspace:
    """The snippets side by side, wrapped with required_providers, applied."""
    ws.write(required_providers(), "versions.tf")
    for snippet in snippets:
        ws.write((EXAMPLES / snippet).read_text(), snippet.replace("/", "_"))
    ws.init()
    ws.apply(env=env)
    return ws


def test_registry_snippets_apply_together_and_import_sh_imports_the_resource(tf_home, tmp_path, local):
    """provider.tf + resource.tf + the three data-source.tf, wrapped with required_providers."""
    env = _env(local)
    ws = _apply_snippets(tf_home.workspace(tmp_path / "registry"), REGISTRY_SNIPPETS, env)
    out = _outputs(ws, env)
    assert out["haiku"] == REPLY + "Write a haiku about infrastructure as code."
    assert out["total_tokens"] > 0
    assert out["content"] == REPLY + "What's the capital of France?"
    assert out["metadata"] == {"purpose": "lookup-example"}
    assert out["response_model"] == "gpt-4o"
    assert len(out["ids"]) == 1 and list(out["answers"].values()) == [REPLY + "Name a mountain range."]
    assert out["messages"] == [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Define idempotent."},
    ]
    headers = {k.lower(): v for k, v in _creates(local)[0]["headers"].items()}
    assert headers["x-team"] == "platform"  # provider.tf's default_headers

    # import.sh, with the ID of the completion just stored: the imported state plans no change
    stored_id = ws.resource("openai_chat_completion.example")["id"]
    command = next(
        line
        for line in (EXAMPLES / "resources/openai_chat_completion/import.sh").read_text().splitlines()
        if line.startswith("terraform ")
    )
    subcommand, *positional = re.sub(r"chatcmpl-\S+", stored_id, command).split()[1:]
    assert subcommand == "import" and positional == ["openai_chat_completion.example", stored_id], command
    ws.run("state", "rm", "openai_chat_completion.example")
    ws.run(subcommand, "-no-color", "-input=false", *positional, env=env)
    code, result = _plan_exit_code(ws, env)
    if code == 2 and tf_home.version < (1, 2):
        # Terraform 1.0-1.1 leave the root outputs out of the state `import` writes (hashicorp/
        # terraform#30778): their plan adds those back and changes no resource
        assert "Changes to Outputs:" in result.stdout and "Plan:" not in result.stdout, result
    else:
        assert code == 0, result


def test_registry_snippets_ephemeral_answer_configures_the_aliased_provider(tf_home, tmp_path, local):
    require_terraform(tf_home.version, "1.10", "ephemeral resources")
    env = _env(local)
    ws = _apply_snippets(tf_home.workspace(tmp_path / "ephemeral"), EPHEMERAL_SNIPPETS, env)
    assert _outputs(ws, env)["release_notes"] == REPLY + "Write one line of release notes."
    [notes] = [r for r in _creates(local) if r["body"]["messages"][-1]["content"].startswith("Write one")]
    prompt = "Suggest a codename for tonight's release."
    assert notes["headers"]["x-release-codename"] == REPLY + prompt
    assert prompt not in ws.raw_state()


# ---- the module README's HCL blocks (the seed README's examples), verbatim ----------------------

# Not configurations: shapes of one list element, written as type annotations.
SKETCHES = {
    "Message Format": "a type sketch of one `messages` element (`role = string # ...`), not a configuration",
    "Function Format": "a type sketch of one `functions` element, not a configuration",
}
# Blocks that only make sense together: the data source reads `module.storable_chat`.
GROUPS = {"storable_chat": ['module "storable_chat" {', 'data "openai_chat_completion" "retrieved"']}


def _readme_configs() -> list[tuple[str, str]]:
    configs: list[tuple[str, str]] = []
    grouped: list[str] = []
    for heading, block in hcl_blocks(readme_text()):
        if heading in SKETCHES:
            continue
        if any(marker in block for marker in GROUPS["storable_chat"]):
            grouped.append(block)
            continue
        name = re.search(r'module "([^"]+)"', block)
        configs.append((name.group(1) if name else heading, block))
    if grouped:
        configs.append(("storable_chat+retrieved", "\n".join(grouped)))
    return configs


def test_readme_blocks_are_all_accounted_for():
    blocks = hcl_blocks(readme_text())
    skipped = [h for h, _ in blocks if h in SKETCHES]
    assert sorted(skipped) == sorted(SKETCHES), f"sketch blocks not found where expected: {skipped}"
    ran = [block for _, block in blocks if any(block in config for _, config in _readme_configs())]
    assert len(ran) + len(skipped) == len(blocks), "a README block is neither run nor skipped"


README_EXPECTED = {
    "chat": {"assistant_response": REPLY + "Tell me about the solar system."},
    "chat_with_functions": {
        "function_call": lambda v: v["name"] == "get_weather" and "location" in json.loads(v["arguments"])
    },
    "conversation": {"recommendation": REPLY + "Can you recommend a book?"},
    "storable_chat_with_metadata": {},
    "storable_chat+retrieved": {"retrieved_content": REPLY + "What's the capital of France?"},
}


@pytest.mark.parametrize("name,block", _readme_configs())
def test_readme_block_applies_verbatim(tf_home, tmp_path, local, name, block):
    """Verbatim but for the module `source` and the conversation the metadata example elides
    (`messages = [ # ... messages ... ]`), which is written out as a user would."""
    ws = tf_home.workspace(tmp_path / "readme")
    source = block.replace(MODULE_SOURCE_PLACEHOLDER, str(REPO / "modules" / "chat_completion"))
    ws.write(fill_elisions(source), "main.tf")
    ws.write(required_providers() + provider_block(local.base_url, API_KEY), "providers.tf")
    ws.init()
    ws.apply()
    outputs = ws.outputs()
    expected = README_EXPECTED[name]
    assert set(outputs) == set(expected), outputs
    for key, want in expected.items():
        assert want(outputs[key]) if callable(want) else outputs[key] == want, (key, outputs[key])
    creates = _creates(local)
    assert creates, "no completion was created"
    if name == "storable_chat_with_metadata":
        assert creates[0]["body"]["store"] is True
        assert creates[0]["body"]["metadata"]["category"] == "geography"
