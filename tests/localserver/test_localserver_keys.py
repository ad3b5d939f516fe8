"""The server's keys: admin routes behind --api-key, the key from the environment or a file, no
form of a key in the request log or the server's logs, and the test helper (admin calls with
the key, restart on the same port).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import socket
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openai import OpenAI
from tests.localserver.conftest import check_answers, raw_request, user
from tests.support.localserver import LocalServer, LocalServerError

from terraform_provider_openai.localserver._redact import LogRedactor, Redactor, mask_query_params

MODULE = [sys.executable, "-m", "terraform_provider_openai.localserver"]
KEY = "sk-keys-right-Hq7Zt2Wm9Rx4"
WRONG = "sk-keys-wrong-Lp3Vn8Kd1Ys6"
ENV = "LOCALSERVER_API_KEY"
ADMIN_CALLS = [
    ("GET", "/_admin/requests", None),
    ("DELETE", "/_admin/requests", None),
    ("POST", "/_admin/reset", None),
    ("GET", "/_admin/faults", None),
    ("POST", "/_admin/faults", {"kind": "500"}),
    ("DELETE", "/_admin/faults", None),
]


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _forms(secret: str) -> list[str]:
    """The ways a key can be written in a log: as is, URL-encoded, JSON-escaped."""
    return [
        secret,
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote_plus(secret),
        json.dumps(secret)[1:-1],
    ]


def _assert_no_key(text: str, *secrets: str) -> None:
    leaks = [form for secret in secrets for form in _forms(secret) if form in text]
    assert not leaks, f"{leaks} in {text[:2000]}"


def _cmdline(server: LocalServer) -> str:
    path = Path(f"/proc/{server.process.pid}/cmdline")
    if not path.exists():
        pytest.skip("no /proc on this system")
    return path.read_bytes().replace(b"\0", b" ").decode()


def _create(server: LocalServer, key: str | None, text: str = "x") -> int:
    headers = {} if key is None else {"authorization": f"Bearer {key}"}
    body = {"model": "m", "messages": [user(text)]}
    return raw_request(f"{server.base_url}/chat/completions", body, headers=headers)[0]


@pytest.fixture(scope="module")
def keyed() -> Iterator[LocalServer]:
    """A server started with api_key=KEY (through the helper)."""
    with LocalServer.start(api_key=KEY) as srv:
        yield srv


@pytest.fixture
def fresh(keyed: LocalServer) -> LocalServer:
    keyed.reset()
    return keyed


# --- admin routes -------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_CALLS)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"authorization": f"Bearer {WRONG}"},
        {"api-key": WRONG},
        {"authorization": "Basic " + KEY},
        {"x-api-key": KEY},
    ],
    ids=["none", "wrong-bearer", "wrong-api-key", "not-bearer", "other-header"],
)
def test_admin_routes_refuse_a_missing_or_wrong_key(
    fresh: LocalServer, method: str, path: str, body: Any, headers: dict[str, str]
) -> None:
    status, answer, _ = raw_request(f"{fresh.root_url}{path}", body, method=method, headers=headers)
    assert status == 401
    assert set(answer["error"]) == {"message", "type", "param", "code"}
    assert (answer["error"]["type"], answer["error"]["code"]) == ("invalid_request_error", "invalid_api_key")
    _assert_no_key(json.dumps(answer), KEY, WRONG)


def test_a_refused_admin_call_changes_nothing(fresh: LocalServer) -> None:
    assert _create(fresh, KEY) == 200
    for method, path, body in ADMIN_CALLS:
        assert raw_request(f"{fresh.root_url}{path}", body, method=method)[0] == 401
    assert [r["status"] for r in fresh.requests()] == [200]
    assert fresh.admin("GET", "/_admin/faults")["faults"] == []


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_CALLS)
@pytest.mark.parametrize("header", ["bearer", "api-key"])
def test_admin_routes_accept_the_key_as_bearer_or_api_key(
    fresh: LocalServer, method: str, path: str, body: Any, header: str
) -> None:
    headers = {"authorization": f"Bearer {KEY}"} if header == "bearer" else {"api-key": KEY}
    status, answer, _ = raw_request(f"{fresh.root_url}{path}", body, method=method, headers=headers)
    assert status == 200, answer


def test_health_stays_open_and_unknown_admin_routes_need_the_key(fresh: LocalServer) -> None:
    assert raw_request(f"{fresh.root_url}/_admin/health")[:2] == (200, {"status": "ok"})
    assert raw_request(f"{fresh.root_url}/_admin/nothing")[0] == 401
    auth = {"authorization": f"Bearer {KEY}"}
    assert raw_request(f"{fresh.root_url}/_admin/nothing", headers=auth)[0] == 404


def test_admin_routes_are_open_without_api_key(server: LocalServer) -> None:
    for method, path, body in ADMIN_CALLS:
        assert raw_request(f"{server.root_url}{path}", body, method=method)[0] == 200, path
    assert raw_request(f"{server.root_url}/_admin/health")[0] == 200


def test_the_helper_sends_the_key_on_admin_calls(fresh: LocalServer) -> None:
    assert fresh.api_key == KEY
    fresh.inject_fault("503", path_prefix="/v1/")
    assert _create(fresh, KEY) == 503
    assert [r["status"] for r in fresh.requests()] == [503]
    fresh.clear_requests()
    assert fresh.requests() == []


def test_the_helper_does_not_inherit_the_key_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, WRONG)
    with LocalServer.start() as server:
        assert server.api_key is None
        assert _create(server, None) == 200
        assert server.requests()[0]["status"] == 200


# --- where the key comes from -------------------------------------------------------------------


def test_the_helper_passes_api_key_outside_the_command_line(keyed: LocalServer) -> None:
    assert KEY not in _cmdline(keyed)
    assert (_create(keyed, KEY), _create(keyed, None)) == (200, 401)


def test_key_from_the_environment_variable(tmp_path: Path) -> None:
    with LocalServer.start(env={ENV: KEY}) as server:
        assert KEY not in _cmdline(server)
        assert server.api_key == KEY
        assert (_create(server, KEY), _create(server, None), _create(server, WRONG)) == (200, 401, 401)
        assert raw_request(f"{server.root_url}/_admin/requests")[0] == 401
        assert [r["status"] for r in server.requests()] == [200, 401, 401]


def test_key_from_a_file_with_a_trailing_newline(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(KEY + "\n")
    with LocalServer.start("--api-key-file", str(key_file)) as server:
        assert KEY not in _cmdline(server)
        assert server.api_key == KEY
        assert (_create(server, KEY), _create(server, None)) == (200, 401)
        client = OpenAI(base_url=server.base_url, api_key=KEY, max_retries=0)
        assert client.chat.completions.create(model="m", messages=[user("x")]).choices
        check_answers(server)


def test_the_command_line_wins_over_the_environment_variable(tmp_path: Path) -> None:
    with LocalServer.start("--api-key", KEY, env={ENV: WRONG}) as server:
        assert (_create(server, KEY), _create(server, WRONG)) == (200, 401)
    key_file = tmp_path / "key"
    key_file.write_text(KEY)
    with LocalServer.start(f"--api-key-file={key_file}", env={ENV: WRONG}) as server:
        assert (_create(server, KEY), _create(server, WRONG)) == (200, 401)
        assert server.requests()[-1]["status"] == 401


def test_an_empty_environment_variable_leaves_the_server_open() -> None:
    with LocalServer.start(env={ENV: ""}) as server:
        assert (_create(server, None), _create(server, WRONG)) == (200, 200)
        assert raw_request(f"{server.root_url}/_admin/requests")[0] == 200


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "--api-key-file: the key is empty"),
        ("\n", "--api-key-file: the key is empty"),
        (f" {KEY}\n", "--api-key-file: the key has surrounding whitespace or a line break"),
        (f"{KEY}\n\n", "--api-key-file: the key has surrounding whitespace or a line break"),
    ],
)
def test_a_key_file_that_cannot_match_is_a_usage_error(tmp_path: Path, content: str, message: str) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(content)
    done = subprocess.run(
        [*MODULE, "--port", "0", "--api-key-file", str(key_file)], capture_output=True, text=True, timeout=30
    )
    assert (done.returncode, done.stdout, done.stderr.strip()) == (2, "", message)


def test_a_missing_key_file_or_two_key_options_are_usage_errors(tmp_path: Path) -> None:
    missing = tmp_path / "absent"
    done = subprocess.run(
        [*MODULE, "--port", "0", "--api-key-file", str(missing)], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 2
    assert done.stderr.strip() == f"--api-key-file: cannot read {missing}: No such file or directory"
    done = subprocess.run(
        [*MODULE, "--api-key", KEY, "--api-key-file", str(missing)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2 and "not allowed with argument" in done.stderr
    assert KEY not in done.stderr


def test_help_documents_the_three_key_sources() -> None:
    done = subprocess.run([*MODULE, "--help"], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    assert "--api-key KEY" in text and "--api-key-file PATH" in text and ENV in text
    assert "/_admin/health" in text


# --- no key in the request log ------------------------------------------------------------------


def test_the_request_log_holds_no_form_of_the_key(fresh: LocalServer) -> None:
    escaped = "".join(f"\\u{ord(c):04x}" for c in KEY)  # the key JSON-escaped by hand
    body = json.dumps(
        {
            "model": "m",
            "store": True,
            "metadata": {"note": KEY},
            "messages": [user(f"my key is {KEY}, again: @")],
        }
    )
    body = body.replace("@", escaped).encode()
    query = f"api-key={KEY}&note={urllib.parse.quote(KEY, safe='')}"
    status, created, _ = raw_request(
        f"{fresh.base_url}/chat/completions?{query}",
        data=body,
        headers={
            "authorization": f"Bearer {KEY}",
            "x-note": f"sent with {KEY}",
            "referer": f"http://example.test/?api-key={WRONG}",
        },
    )
    assert status == 200, created
    # masking is for the log only: the request was served as sent (the stored content is user data)
    assert created["choices"][0]["message"]["content"] == f"Local reply to: my key is {KEY}, again: {KEY}"
    client = OpenAI(base_url=fresh.base_url, api_key=KEY, max_retries=0)
    assert client.chat.completions.retrieve(created["id"]).metadata == {"note": KEY}

    azure = f"{fresh.root_url}/openai/deployments/{KEY}/chat/completions?api-version=2024-10-21&api-key={KEY}"
    status, answer, _ = raw_request(
        azure,
        {"messages": [user(f"azure {KEY}")]},
        headers={"api-key": KEY, "ocp-apim-subscription-key": KEY},
    )
    assert status == 200 and answer["model"] == KEY

    status, _, _ = raw_request(
        f"{fresh.base_url}/chat/completions?key={WRONG}",
        {"model": "m", "messages": [user(f"wrong {WRONG}")]},
        headers={"authorization": f"Bearer {WRONG}"},
    )
    assert status == 401
    status, _, _ = raw_request(f"{fresh.base_url}/chat/completions/{KEY}", headers={"api-key": KEY})
    assert status == 404

    status, answer, _ = raw_request(
        f"{fresh.root_url}/_admin/requests", headers={"authorization": f"Bearer {KEY}"}
    )
    assert status == 200
    _assert_no_key(json.dumps(answer), KEY, WRONG)
    _assert_no_key(json.dumps(answer, ensure_ascii=False), KEY, WRONG)
    assert escaped not in json.dumps(answer)
    first, retrieved, second, third, fourth = answer["requests"]
    assert retrieved["response"]["metadata"] == {"note": "***"}
    assert first["query"] == "api-key=***&note=***"
    assert first["headers"]["authorization"] == "***"
    assert first["headers"]["x-note"] == "sent with ***"
    assert first["headers"]["referer"] == "http://example.test/?api-key=***"
    assert first["body"]["messages"][0]["content"] == "my key is ***, again: ***"
    assert first["body"]["metadata"] == {"note": "***"}
    assert (
        first["response"]["choices"][0]["message"]["content"] == "Local reply to: my key is ***, again: ***"
    )
    assert second["path"] == "/openai/deployments/***/chat/completions"
    assert second["query"] == "api-version=2024-10-21&api-key=***"
    assert second["headers"]["api-key"] == second["headers"]["ocp-apim-subscription-key"] == "***"
    assert second["response"]["model"] == "***"
    assert third["query"] == "key=***" and third["body"]["messages"][0]["content"] == "wrong ***"
    assert fourth["path"] == "/v1/chat/completions/***" and "***" in fourth["response"]["error"]["message"]
    assert [r["auth_sha256"] for r in answer["requests"]] == [_sha(KEY)] * 3 + [_sha(WRONG), _sha(KEY)]
    check_answers(fresh)


def test_a_short_key_is_masked_where_it_stands_alone(server: LocalServer) -> None:
    body = {"model": "m", "messages": [user("k is short, keep kites")]}
    status, _, _ = raw_request(
        f"{server.base_url}/chat/completions", body, headers={"authorization": "Bearer k"}
    )
    assert status == 200
    record = server.requests()[0]
    assert record["body"] == {
        "model": "m",
        "messages": [{"role": "user", "content": "*** is short, keep kites"}],
    }
    assert (
        record["response"]["choices"][0]["message"]["content"] == "Local reply to: *** is short, keep kites"
    )
    assert record["auth_sha256"] == _sha("k")


# --- no key in the server's logs ----------------------------------------------------------------


def test_the_access_and_trace_logs_hold_no_key() -> None:
    with LocalServer.start("--access-log", "--log-level", "trace", api_key=KEY) as server:
        headers = {"authorization": f"Bearer {KEY}"}
        assert (
            raw_request(f"{server.base_url}/chat/completions?api-key={KEY}&limit=1", headers=headers)[0]
            == 200
        )
        assert raw_request(f"{server.base_url}/chat/completions?api_key={WRONG}")[0] == 401
        assert raw_request(f"{server.base_url}/chat/completions/{KEY}", headers=headers)[0] == 404
        assert raw_request(f"{server.root_url}/_admin/requests?token={WRONG}", headers=headers)[0] == 200
        body = {"model": "gpt-4o", "messages": [user(f"my key is {KEY}")]}
        assert raw_request(f"{server.base_url}/chat/completions", body, headers=headers)[0] == 200
    logs = "\n".join(server.stdout_lines) + "\n" + server.stderr()
    # the server's own line per API request (debug) and its bodies (trace)
    assert re.search(
        r"DEBUG: +GET /v1/chat/completions\?api-key=\*\*\*&limit=1: HTTP 200, request id req_", logs
    )
    assert re.search(
        r"DEBUG: +POST /v1/chat/completions: HTTP 200, request id req_[0-9a-f]+, [\d.]+ ms", logs
    )
    assert re.search(r"TRACE: +request req_[0-9a-f]+ body: .*my key is \*\*\*", logs)
    assert re.search(r"TRACE: +request req_[0-9a-f]+ answer: .*chat\.completion", logs)
    assert '"GET /v1/chat/completions?api-key=***&limit=1 HTTP/1.1" 200' in logs
    assert '"GET /v1/chat/completions?api_key=*** HTTP/1.1" 401' in logs
    assert '"GET /v1/chat/completions/*** HTTP/1.1" 404' in logs
    assert "TRACE" in logs and "query_string': b'api-key=***&limit=1'" in logs
    _assert_no_key(logs, KEY, WRONG)


def test_requests_are_logged_only_from_log_level_debug() -> None:
    with LocalServer.start("--log-level", "info") as server:
        assert raw_request(f"{server.base_url}/chat/completions?limit=1")[0] == 200
    assert "request id" not in server.stderr()


def test_mask_query_params_knows_the_usual_names() -> None:
    for name in ("api-key", "API_KEY", "apikey", "x-api-key", "api%2Dkey", "key", "token", "access_token"):
        assert mask_query_params(f"a=1&{name}=s3cret&b=2") == f"a=1&{name}=***&b=2"
    assert mask_query_params("monkey=banana&api-version=1") == "monkey=banana&api-version=1"
    assert mask_query_params("api-key=") == "api-key="


def test_the_redactor_masks_every_form_and_leaves_other_text() -> None:
    secret = 'sk/"odd"+key é'
    redactor = Redactor([secret, None, ""])
    for form in _forms(secret):
        assert redactor.text(f"<{form}>") == "<***>"
    assert redactor.json({secret: [secret, 1, None]}) == {"***": ["***", 1, None]}
    assert not Redactor([None, ""]) and Redactor([None, ""]).text("x") == "x"
    assert not Redactor(["sk-long-key"]).may_occur(b'{"a": "b"}')


def test_the_log_filter_keeps_number_arguments() -> None:
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d', None, None
    )
    record.args = ("127.0.0.1:1", "GET", f"/v1/x/{KEY}?api-key={WRONG}", "1.1", 200)
    assert LogRedactor([KEY]).filter(record)
    assert record.getMessage() == '127.0.0.1:1 - "GET /v1/x/***?api-key=*** HTTP/1.1" 200'


# --- restart ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kill", [False, True], ids=["sigterm", "sigkill"])
def test_restart_on_the_same_port_keeps_stored_completions(tmp_path: Path, kill: bool) -> None:
    db = tmp_path / "store.sqlite"
    with LocalServer.start(db=db, api_key=KEY) as server:
        client = OpenAI(base_url=server.base_url, api_key=KEY, max_retries=0)
        kept = client.chat.completions.create(
            model="m", messages=[user("kept")], store=True, metadata={"a": "1"}
        )
        client.chat.completions.update(kept.id, metadata={"a": "2"})
        base_url, port, old = server.base_url, server.port, server.process
        server.restart(kill=kill)
        assert old.returncode == (-9 if kill else 0)
        assert server.process.pid != old.pid and server.process.poll() is None
        assert (server.base_url, server.port) == (base_url, port)
        again = client.chat.completions.retrieve(kept.id)  # the same client, the same URL
        assert (again.metadata, again.choices[0].message.content) == ({"a": "2"}, "Local reply to: kept")
        assert [m.content for m in client.chat.completions.messages.list(kept.id).data] == ["kept"]
        assert [r["path"] for r in server.requests()] == [
            f"/v1/chat/completions/{kept.id}",
            f"/v1/chat/completions/{kept.id}/messages",
        ]
        assert f"--port {port}" in _cmdline(server) and str(db) in _cmdline(server)
        assert _create(server, None) == 401  # still keyed
        check_answers(server)
    assert server.process.returncode == 0


def test_start_on_a_given_port_and_restart_without_db_forgets(tmp_path: Path) -> None:
    with LocalServer.start() as first:
        port = first.port
    with LocalServer.start(port=port) as server:
        assert server.port == port
        client = OpenAI(base_url=server.base_url, api_key="k", max_retries=0)
        made = client.chat.completions.create(model="m", messages=[user("x")], store=True)
        server.restart()
        assert server.port == port
        assert raw_request(f"{server.base_url}/chat/completions/{made.id}")[0] == 404


def test_a_restart_whose_port_was_taken_says_why() -> None:
    with LocalServer.start() as server:
        server.stop()
        with socket.socket() as taken:
            taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            taken.bind(("127.0.0.1", server.port))
            taken.listen()
            with pytest.raises(
                LocalServerError, match=r"(?s)exited with code 1 .*cannot listen on 127\.0\.0\.1"
            ):
                server.restart()
