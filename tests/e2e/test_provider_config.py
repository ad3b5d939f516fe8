"""The provider block: Azure OpenAI routes, extra headers, environment variables, configuration
mistakes reported at plan time naming the attribute, and an API key that never leaks anywhere
(state, plans, `terraform show -json`, trace logs, output), also when the API rejects it."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.support.localserver import LocalServer
from tests.support.terraform import Result, Workspace, provider_block, required_providers


def _sha(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _resource(name: str, provider: str | None = None, model: str = "gpt-4o") -> str:
    use = f"\n  provider = openai.{provider}" if provider else ""
    return f"""
resource "openai_chat_completion" "{name}" {{{use}
  model    = "{model}"
  messages = [{{ role = "user", content = "{name}" }}]
}}
"""


def _by_content(server: LocalServer) -> dict[str, dict[str, Any]]:
    """The create requests, by the user message (each resource sends its own name)."""
    return {
        r["body"]["messages"][0]["content"]: r
        for r in server.requests()
        if r["method"] == "POST" and r["path"].endswith("/chat/completions")
    }


def _text(result: Result) -> str:
    return " ".join(result.stderr.split())


# ---- settings that reach the server ------------------------------------------------------------


def test_azure_openai_headers_organization_and_project(ws: Workspace, local: LocalServer) -> None:
    ws.write(
        required_providers()
        + provider_block(local.base_url, api_key="sk-openai-key")
        + f"""
provider "openai" {{
  alias          = "azure"
  azure_endpoint = "{local.azure_endpoint}"
  api_version    = "2024-10-21"
  api_key        = "azure-key-1234"
}}

provider "openai" {{
  alias            = "azure_deployment"
  azure_endpoint   = "{local.azure_endpoint}"
  api_version      = "2024-10-21"
  api_key          = "azure-key-1234"
  azure_deployment = "my-gpt4o-deployment"
}}

provider "openai" {{
  alias           = "headers"
  base_url        = "{local.base_url}"
  api_key         = "sk-openai-key"
  organization    = "org-local123"
  project         = "proj_local456"
  default_headers = {{ "openai-event-code" = "hackathon/user" }}
}}
"""
        + _resource("plain")
        + _resource("azure", "azure")
        + _resource("azure_deployment", "azure_deployment")
        + _resource("headers", "headers")
    )
    ws.init()
    ws.apply()
    sent = _by_content(local)
    assert set(sent) == {"plain", "azure", "azure_deployment", "headers"}

    plain = sent["plain"]
    assert plain["path"] == "/v1/chat/completions"
    assert plain["headers"]["authorization"] == "***"
    assert plain["auth_sha256"] == _sha("sk-openai-key")
    assert "openai-organization" not in plain["headers"]

    azure = sent["azure"]
    assert azure["path"] == "/openai/deployments/gpt-4o/chat/completions"
    assert "api-version=2024-10-21" in azure["query"]
    assert azure["headers"]["api-key"] == "***"
    assert azure["auth_sha256"] == _sha("azure-key-1234")
    assert ws.resource("openai_chat_completion.azure")["content"] == "Local reply to: azure"

    assert sent["azure_deployment"]["path"] == "/openai/deployments/my-gpt4o-deployment/chat/completions"
    assert "api-version=2024-10-21" in sent["azure_deployment"]["query"]

    headers = sent["headers"]["headers"]
    assert headers["openai-event-code"] == "hackathon/user"
    assert headers["openai-organization"] == "org-local123"
    assert headers["openai-project"] == "proj_local456"
    assert sent["headers"]["path"] == "/v1/chat/completions"


def test_environment_variables_configure_the_provider(ws: Workspace, local: LocalServer) -> None:
    ws.write(required_providers() + 'provider "openai" {}\n' + _resource("from_env"))
    env = {
        "OPENAI_API_KEY": "sk-from-env-777",
        "OPENAI_BASE_URL": local.base_url,
        "OPENAI_ORG_ID": "org-env",
        "OPENAI_PROJECT_ID": "proj_env",
    }
    ws.init()
    ws.apply(env=env)
    sent = _by_content(local)["from_env"]
    assert sent["auth_sha256"] == _sha("sk-from-env-777")
    assert sent["headers"]["openai-organization"] == "org-env"
    assert sent["headers"]["openai-project"] == "proj_env"
    assert ws.resource("openai_chat_completion.from_env")["content"] == "Local reply to: from_env"


def test_attributes_win_over_environment_variables(ws: Workspace, local: LocalServer) -> None:
    ws.write(
        required_providers() + provider_block(local.base_url, api_key="sk-attribute") + _resource("wins")
    )
    ws.init()
    ws.apply(env={"OPENAI_API_KEY": "sk-env-loses", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"})
    assert _by_content(local)["wins"]["auth_sha256"] == _sha("sk-attribute")


# ---- configuration mistakes ----------------------------------------------------------------------


def test_invalid_settings_fail_plan_naming_the_attribute(ws: Workspace, local: LocalServer) -> None:
    ws.write(
        required_providers()
        + f"""
provider "openai" {{
  alias    = "bad_url"
  api_key  = "sk-x"
  base_url = "localhost:8080/v1"
}}
provider "openai" {{
  alias    = "bad_timeout"
  api_key  = "sk-x"
  base_url = "{local.base_url}"
  timeout  = -5
}}
provider "openai" {{
  alias       = "bad_retries"
  api_key     = "sk-x"
  base_url    = "{local.base_url}"
  max_retries = 1.5
}}
provider "openai" {{
  alias          = "both"
  api_key        = "sk-x"
  base_url       = "{local.base_url}"
  azure_endpoint = "{local.azure_endpoint}"
  api_version    = "2024-10-21"
}}
provider "openai" {{
  alias            = "deployment_only"
  api_key          = "sk-x"
  azure_deployment = "d1"
}}
"""
        + "".join(
            _resource(a, a) for a in ("bad_url", "bad_timeout", "bad_retries", "both", "deployment_only")
        )
    )
    ws.init()
    code, result = ws.plan_exit_code()
    assert code == 1, result
    text = _text(result)
    assert "Error: Invalid base_url" in text
    assert "base_url must be an http:// or https:// URL, got 'localhost:8080/v1'" in text
    assert "Error: Invalid timeout" in text and "timeout must be a positive number of seconds, got -5" in text
    assert (
        "Error: Invalid max_retries" in text
        and "max_retries must be a whole number of 0 or more, got 1.5" in text
    )
    assert "Error: Conflicting base_url and azure_endpoint" in text
    assert "Error: Missing azure_endpoint" in text
    # each points at its own provider block and line
    for alias, line in (("bad_url", "base_url"), ("bad_timeout", "timeout"), ("bad_retries", "max_retries")):
        assert re.search(rf"with provider\[\"registry.local/openai/openai\"\]\.{alias},.*{line}\s+=", text), (
            alias
        )
    assert local.requests() == []


def test_missing_api_version_for_azure_is_an_error(ws: Workspace, local: LocalServer) -> None:
    ws.write(
        required_providers()
        + f'provider "openai" {{\n  api_key = "k"\n  azure_endpoint = "{local.azure_endpoint}"\n}}\n'
        + _resource("no_version")
    )
    ws.init()
    code, result = ws.plan_exit_code()
    assert code == 1, result
    assert "Missing api_version" in result.stderr and "OPENAI_API_VERSION" in _text(result)
    assert local.requests() == []


def test_no_api_key_is_a_clear_error_at_apply(ws: Workspace, local: LocalServer) -> None:
    ws.write(
        required_providers()
        + f'provider "openai" {{\n  base_url = "{local.base_url}"\n}}\n'
        + _resource("nokey")
    )
    ws.init()
    code, plan = ws.plan_exit_code()
    assert code == 2, plan  # planning a create needs no API call, hence no key
    result = ws.apply(check=False)
    assert result.returncode == 1, result
    text = _text(result)
    assert "Error: Create Chat Completion Error" in text
    assert (
        "No API key is configured. Set `api_key` in the provider block or the OPENAI_API_KEY environment variable"
        in text
    )
    assert local.requests() == []
    assert ws.state().get("values") is None


# ---- the key never leaks ---------------------------------------------------------------------------

GOOD_KEY = "sk-leakcheck-good-Zq8W3x7Rt2Ky9Lm4"
WRONG_KEY = "sk-leakcheck-wrong-Pn5Vb1Xc6Jd0Ws"


@pytest.fixture(scope="module")
def guarded_server() -> Iterator[LocalServer]:
    """A server that accepts only GOOD_KEY."""
    with LocalServer.start(api_key=GOOD_KEY) as srv:
        yield srv


def _collect(ws: Workspace, log: Path, results: list[Result]) -> dict[str, str]:
    places = {f"terraform {' '.join(r.args)}": r.stdout + r.stderr for r in results}
    places["trace log"] = log.read_text() if log.exists() else ""
    for name in ("terraform.tfstate", "terraform.tfstate.backup"):
        if (ws.path / name).exists():
            places[name] = (ws.path / name).read_text()
    return places


def _assert_no_secret(places: dict[str, str], secret: str) -> None:
    leaks = [name for name, text in places.items() if secret in text]
    assert not leaks, f"the key appears in: {leaks}"


def test_the_api_key_never_appears_anywhere(
    ws: Workspace, guarded_server: LocalServer, tmp_path: Path
) -> None:
    guarded_server.reset()
    log = tmp_path / "trace.log"
    env = {"TF_LOG": "trace", "TF_LOG_PATH": str(log)}
    ws.write(
        required_providers()
        + provider_block(guarded_server.base_url, api_key=GOOD_KEY, default_headers={"x-team": "docs"})
        + _resource("ok")
    )
    results = [ws.init()]
    results.append(ws.apply(env=env))
    results.append(ws.plan("-out=tfplan", env=env))
    results.append(ws.run("show", "-json", "tfplan", env=env))
    results.append(ws.run("show", "-json", env=env))
    results.append(ws.run("show", "-no-color", env=env))
    places = _collect(ws, log, results)
    assert "Local reply to: ok" in places["terraform show -json"]
    # A literal in a .tf file is source code: Terraform itself copies provider-block constants
    # into the plan's `configuration` section. Everything the provider produces is checked.
    plan = json.loads(places.pop("terraform show -json tfplan"))
    assert plan["configuration"]["provider_config"]["openai"]["expressions"]["api_key"]
    places["plan values"] = json.dumps({k: v for k, v in plan.items() if k != "configuration"})
    assert places["trace log"], "TF_LOG_PATH was not written"
    _assert_no_secret(places, GOOD_KEY)
    assert guarded_server.requests()[0]["auth_sha256"] == _sha(GOOD_KEY)


def test_a_rejected_api_key_never_appears_anywhere(
    ws: Workspace, guarded_server: LocalServer, tmp_path: Path
) -> None:
    guarded_server.reset()
    log = tmp_path / "trace.log"
    env = {"TF_LOG": "trace", "TF_LOG_PATH": str(log)}
    # the key from the environment, as users should pass it: then no Terraform output holds it
    env["OPENAI_API_KEY"] = WRONG_KEY
    ws.write(
        required_providers()
        + f'provider "openai" {{\n  base_url = "{guarded_server.base_url}"\n  max_retries = 0\n}}\n'
        + _resource("wrong")
    )
    results = [ws.init()]
    apply = ws.apply(env=env, check=False)
    results.append(apply)
    assert apply.returncode == 1, apply
    text = _text(apply)
    assert "Error: Create Chat Completion Error" in text
    assert "The API answered HTTP 401: Incorrect API key provided." in text
    assert "code: invalid_api_key" in text
    assert "request id: req_" in text
    results.append(ws.plan("-out=tfplan", env=env))
    results.append(ws.run("show", "-json", "tfplan", env=env))
    results.append(ws.run("show", "-json", env=env))
    places = _collect(ws, log, results)
    _assert_no_secret(places, WRONG_KEY)
    # it really was sent (and refused)
    sent = guarded_server.requests()
    assert sent and sent[0]["status"] == 401 and sent[0]["auth_sha256"] == _sha(WRONG_KEY)


def _forms(key: str) -> set[str]:
    """Runs of 8 characters of the key in the forms a log or error may carry it: as is, escaped,
    URL-encoded and base64 (at any of the three byte offsets in a longer text)."""
    texts = {key, repr(key)[1:-1], quote(key, safe=""), key.encode().hex()}
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + key.encode()).decode()
        texts.add(encoded[4 if offset else 0 : (offset + len(key)) // 3 * 4])
    return {t[i : i + 8] for t in texts for i in range(len(t) - 7)}


def _assert_no_form_of(places: dict[str, str], key: str) -> None:
    forms = _forms(key)
    leaks = {name: sorted(f for f in forms if f in text)[:3] for name, text in places.items()}
    assert not {k: v for k, v in leaks.items() if v}, f"the key appears in: {leaks}"


def test_key_with_trailing_newline_works_and_no_form_of_it_is_in_trace_logs(
    ws: Workspace, guarded_server: LocalServer, tmp_path: Path
) -> None:
    """`api_key = file("key.txt")` keeps the file's final newline: the provider trims it (the server
    accepts only the exact key), and TF_LOG=TRACE output, which carries the provider's stderr, holds
    no form of the key."""
    guarded_server.reset()
    (ws.path / "key.txt").write_text(GOOD_KEY + "\n")
    ws.write(
        required_providers()
        + f'provider "openai" {{\n  base_url = "{guarded_server.base_url}"\n  api_key = file("key.txt")\n}}\n'
        + _resource("from_file")
    )
    log = tmp_path / "trace.log"
    results = [ws.init()]
    # to the terminal (stderr), as a user sees it, and to a file
    results.append(ws.apply(env={"TF_LOG": "TRACE", "TF_LOG_PROVIDER": "TRACE"}))
    assert "[DEBUG]" in results[-1].stderr and "plugin" in results[-1].stderr  # the trace log was on
    results.append(ws.plan("-out=tfplan", env={"TF_LOG": "TRACE", "TF_LOG_PATH": str(log)}))
    results.append(ws.run("show", "-json", "tfplan"))
    places = _collect(ws, log, results)
    assert places["trace log"], "TF_LOG_PATH was not written"
    _assert_no_form_of(places, GOOD_KEY)
    [sent] = guarded_server.requests()
    assert sent["status"] == 200 and sent["auth_sha256"] == _sha(GOOD_KEY)
    assert ws.resource("openai_chat_completion.from_file")["content"] == "Local reply to: from_file"


def test_unusable_key_fails_naming_api_key_and_never_showing_it(
    ws: Workspace, local: LocalServer, tmp_path: Path
) -> None:
    key = "sk-leakcheck-inner Space-Qx7Tb2Wm9"
    log = tmp_path / "trace.log"
    ws.write(
        required_providers()
        + f'provider "openai" {{\n  base_url = "{local.base_url}"\n}}\n'
        + _resource("spaced")
    )
    ws.init()
    env = {"OPENAI_API_KEY": key, "TF_LOG": "TRACE", "TF_LOG_PATH": str(log)}
    result = ws.run("plan", "-no-color", "-input=false", check=False, env=env)
    assert result.returncode == 1, result
    text = _text(result)
    assert "Error: Invalid api_key" in text
    assert (
        "`api_key` (from the OPENAI_API_KEY environment variable) contains whitespace inside it (U+0020)"
        in text
    )
    assert "The value is not shown." in text
    _assert_no_form_of({"plan": result.output, "trace log": log.read_text()}, key.split()[0][:20])
    _assert_no_form_of({"plan": result.output, "trace log": log.read_text()}, key.split()[1])
    assert local.requests() == []
