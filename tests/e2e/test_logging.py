"""TF_LOG / TF_LOG_PROVIDER show what the provider did, as for a Go provider: its lines reach
Terraform as go-hclog JSON and come out at their own level, under the provider's name.

The local server here runs with `--log-level trace`, so its own log of the same requests (request
id, bodies) is checked for keys too."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.e2e.test_provider_config import _assert_no_form_of
from tests.support.localserver import LocalServer
from tests.support.terraform import Workspace, provider_block, required_providers

KEY = "sk-logcheck-Qz81Lm4Tb7Wx2Rc9Vn5Kd3Hp6"
RESOURCE = """
resource "openai_chat_completion" "logged" {
  model    = "gpt-4o-mini"
  messages = [{ role = "user", content = "logged" }]
}
"""
#: Terraform's rendering of the provider's DEBUG line for one API call.
CALL = re.compile(
    r"\[DEBUG\] +provider\.terraform-provider-openai_v[\d.]+: API call: POST /v1/chat/completions: "
    r"HTTP 200, request id (req_[0-9a-f]+), attempt 1, \d+ ms:.* request_id=(req_[0-9a-f]+)"
)


@pytest.fixture(scope="module")
def traced_server() -> Iterator[LocalServer]:
    with LocalServer.start("--log-level", "trace", api_key=KEY) as srv:
        yield srv


def _apply(ws: Workspace, server: LocalServer, **env: str) -> str:
    ws.write(required_providers() + provider_block(server.base_url, api_key=KEY, max_retries=1) + RESOURCE)
    ws.init()
    result = ws.apply(env=env)
    return result.output


def test_tf_log_debug_shows_each_api_call_with_its_request_id_and_no_key(
    ws: Workspace, traced_server: LocalServer
) -> None:
    traced_server.reset()
    output = _apply(ws, traced_server, TF_LOG="DEBUG")
    calls = [m for line in output.splitlines() if (m := CALL.search(line))]
    assert len(calls) == 1, output
    request_id = calls[0].group(1)
    assert calls[0].group(2) == request_id
    # the same request, as the server logged it
    assert f"POST /v1/chat/completions: HTTP 200, request id {request_id}" in traced_server.stderr()
    assert "provider configured: API at " + traced_server.base_url in output
    # bodies only at TRACE
    assert "API request body" not in output and "API response body" not in output
    assert len(traced_server.requests()) == 1
    _assert_no_form_of({"apply": output, "server log": traced_server.stderr()}, KEY)


def test_tf_log_trace_adds_the_bodies_masked(ws: Workspace, traced_server: LocalServer) -> None:
    traced_server.reset()
    output = _apply(ws, traced_server, TF_LOG="TRACE")
    assert re.search(
        r"\[TRACE\] +provider\.terraform-provider-openai_v[\d.]+: API request body: POST", output
    )
    assert re.search(
        r"\[TRACE\] +provider\.terraform-provider-openai_v[\d.]+: API response body: POST", output
    )
    assert "Local reply to: logged" in output  # the answer's body
    assert re.search(r"request req_[0-9a-f]+ body: .*logged", traced_server.stderr())
    _assert_no_form_of({"apply": output, "server log": traced_server.stderr()}, KEY)


def test_a_retry_is_a_warning_with_its_reason_and_debug_lines_stay_out_at_warn(
    ws: Workspace, traced_server: LocalServer
) -> None:
    traced_server.reset()
    traced_server.inject_fault("429", count=1, path_prefix="/v1/chat/completions")
    output = _apply(ws, traced_server, TF_LOG_PROVIDER="WARN")
    assert re.search(
        r"\[WARN\] +provider\.terraform-provider-openai_v[\d.]+: API call retried: "
        r"POST /v1/chat/completions, attempt 2: HTTP 429",
        output,
    ), output
    assert "API call: POST" not in output  # DEBUG: below the level asked for
    assert [r["status"] for r in traced_server.requests()] == [429, 200]
