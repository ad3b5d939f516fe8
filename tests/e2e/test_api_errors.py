"""What a user sees when the API fails: a diagnostic with the facts of the error (status, type, code,
message, request id), advice where there is some (rate limits, timeouts), never the key; retries
that succeed are invisible; a failed create leaves nothing in state."""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.support.localserver import LocalServer
from tests.support.terraform import Result, Workspace, provider_block, required_providers

KEY = "sk-errors-4f1c9e0b7d2a"

RESOURCE = """
resource "openai_chat_completion" "x" {
  model    = "gpt-4o"
  messages = [{ role = "user", content = "Hello errors" }]
}
"""


def _write(ws: Workspace, server: LocalServer, **settings: Any) -> None:
    ws.write(required_providers() + provider_block(server.base_url, api_key=KEY, **settings) + RESOURCE)


def _creates(server: LocalServer) -> list[dict[str, Any]]:
    return [r for r in server.requests() if r["method"] == "POST" and r["path"] == "/v1/chat/completions"]


def _text(result: Result) -> str:
    """stderr with Terraform's line wrapping undone."""
    return " ".join(result.stderr.split())


def _failed_apply(ws: Workspace) -> Result:
    result = ws.apply(check=False)
    assert result.returncode == 1, result
    assert "Error: Create Chat Completion Error" in result.stderr
    assert "with openai_chat_completion.x" in result.stderr
    assert KEY not in result.output
    print(result.stderr)  # shown when a test fails
    return result


def test_api_error_shows_status_type_code_message_and_request_id(ws: Workspace, local: LocalServer) -> None:
    _write(ws, local)
    ws.init()
    local.inject_fault("400", count=1)
    text = _text(_failed_apply(ws))
    assert "The API answered HTTP 400: Injected 400 by the local server." in text
    assert "type: invalid_request_error, code: injected_fault" in text
    request_id = re.search(r"request id: (req_[0-9a-f]+)", text)
    assert request_id, text
    assert len(_creates(local)) == 1  # a 400 is not retried

    # nothing was kept: the next apply creates the completion
    assert "openai_chat_completion.x" not in ws.run("state", "list").stdout
    code, plan = ws.plan_exit_code()
    assert code == 2 and "1 to add" in plan.stdout, plan
    ws.apply()
    assert ws.resource("openai_chat_completion.x")["content"] == "Local reply to: Hello errors"
    assert len(_creates(local)) == 2


def test_server_error_without_retries_is_reported_once(ws: Workspace, local: LocalServer) -> None:
    _write(ws, local, max_retries=0)
    ws.init()
    local.inject_fault("500", count=10)
    text = _text(_failed_apply(ws))
    assert "The API answered HTTP 500" in text
    assert "type: server_error, code: server_error" in text
    assert "request id: req_" in text
    assert len(_creates(local)) == 1
    assert ws.state().get("values") is None


def test_rate_limit_after_retries_suggests_max_retries(ws: Workspace, local: LocalServer) -> None:
    _write(ws, local, max_retries=1)
    ws.init()
    local.inject_fault("429", count=5)
    text = _text(_failed_apply(ws))
    assert "The API answered HTTP 429: Rate limit reached" in text
    assert "code: rate_limit_exceeded" in text
    assert "still rate limited after 1 retries" in text
    assert "Raise `max_retries` in the provider block" in text
    assert len(_creates(local)) == 2  # the first try and one retry


def test_a_rate_limit_that_clears_is_retried_transparently(ws: Workspace, local: LocalServer) -> None:
    _write(ws, local)
    ws.init()
    local.inject_fault("429", count=1)
    result = ws.apply()
    assert "Error" not in result.output
    assert [r["status"] for r in _creates(local)] == [429, 200]
    assert ws.resource("openai_chat_completion.x")["content"] == "Local reply to: Hello errors"


def test_timeout_gives_a_clear_diagnostic(ws: Workspace, local: LocalServer) -> None:
    _write(ws, local, timeout=1, max_retries=0)
    ws.init()
    local.inject_fault("timeout:20", count=1)
    text = _text(_failed_apply(ws))
    assert "The request timed out: no answer within 1 s (1 attempt)" in text
    assert "Raise `timeout` or `max_retries`" in text
    assert ws.state().get("values") is None


def test_dropped_connection_gives_a_connection_error(ws: Workspace, local: LocalServer) -> None:
    _write(ws, local, max_retries=0)
    ws.init()
    local.inject_fault("drop", count=1)
    text = _text(_failed_apply(ws))
    assert f"Could not reach the API at {local.base_url}" in text
    assert ws.state().get("values") is None


# ---- an API that echoes the key back -----------------------------------------------------------


class _EchoingHandler(BaseHTTPRequestHandler):
    """Answers every request 401 with the Authorization header echoed in every error field, in
    several encodings, as a careless proxy or OpenAI-compatible server might."""

    def do_POST(self) -> None:
        auth = self.headers.get("authorization", "")
        key = auth.removeprefix("Bearer ")
        self.rfile.read(int(self.headers.get("content-length") or 0))
        body = json.dumps(
            {
                "error": {
                    "message": f"Incorrect API key provided: {key[:8]}***{key[-4:]}. Header was {auth!r}, "
                    f"{auth.encode()!r}, {quote(auth)}, {base64.b64encode(auth.encode()).decode()}",
                    "type": f"auth_error:{key}",
                    "code": f"invalid_api_key:{quote(key, safe='')}",
                    "param": f"Authorization: {auth}",
                }
            }
        ).encode()
        self.send_response(401)
        self.send_header("content-type", "application/json")
        self.send_header("x-request-id", "req_echo")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def echoing_api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


def _runs(key: str) -> set[str]:
    texts = {key, quote(key, safe=""), base64.b64encode(f"Bearer {key}".encode()).decode()[8:-4]}
    return {t[i : i + 8] for t in texts for i in range(len(t) - 7)}


def test_api_error_echoing_the_key_in_every_field_shows_none_of_it(
    ws: Workspace, echoing_api: str, tmp_path: Path
) -> None:
    key = "sk-echo-Vq3Lz8Rk1Pw6Yt0Hn4+Mc/"
    log = tmp_path / "trace.log"
    ws.write(required_providers() + provider_block(echoing_api, api_key=key, max_retries=0) + RESOURCE)
    ws.init()
    result = ws.apply(check=False, env={"TF_LOG": "TRACE", "TF_LOG_PATH": str(log)})
    assert result.returncode == 1, result
    text = _text(result)
    assert "Error: Create Chat Completion Error" in text
    assert "The API answered HTTP 401: Incorrect API key provided: ***" in text
    assert "type: auth_error:***, code: invalid_api_key:***, param: Authorization: Bearer ***" in text
    assert "request id: req_echo" in text
    for name, place in {"apply": result.output, "trace log": log.read_text()}.items():
        found = sorted(r for r in _runs(key) if r in place)
        assert not found, f"{name} holds {found[:3]}"
