"""The ``serve`` command: first-line contract, flags, clean stops and persistence (own processes)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import openai
import pytest
from openai import AzureOpenAI, OpenAI
from tests.localserver.conftest import check_answers, raw_request, user
from tests.support.localserver import LocalServer

MODULE = [sys.executable, "-m", "terraform_provider_openai.localserver"]


def test_first_stdout_line_is_the_base_url_and_sigterm_exits_0() -> None:
    start = time.monotonic()
    server = LocalServer.start()
    elapsed = time.monotonic() - start
    try:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/v1", server.base_url)
        assert server.azure_endpoint == server.base_url.removesuffix("/v1")
        assert raw_request(f"{server.root_url}/_admin/health")[0] == 200
        assert elapsed < 3, f"startup took {elapsed:.2f}s"
    finally:
        assert server.stop() == 0
    assert "Traceback" not in server.stdout_lines and not any("Error" in line for line in server.stdout_lines)


def test_sigint_stops_the_server_with_exit_0() -> None:
    server = LocalServer.start()
    server.process.send_signal(signal.SIGINT)
    assert server.process.wait(10) == 0
    server.stop()


def test_an_immediate_sigterm_still_stops_cleanly() -> None:
    proc = subprocess.Popen([*MODULE, "--port", "0"], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().startswith("http://")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(10) == 0
    proc.stdout.close()


def test_serve_subcommand_of_the_console_entry_point_runs_the_server(tmp_path: Path) -> None:
    code = "import sys; from terraform_provider_openai.main import main; sys.exit(main(['serve', '--port', '0']))"
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    try:
        assert url.endswith("/v1")
        assert raw_request(f"{url}/chat/completions", {"model": "m", "messages": [user("x")]})[0] == 200
    finally:
        proc.terminate()
        assert proc.wait(10) == 0
        proc.stdout.close()


def test_missing_server_extra_prints_the_install_hint_and_exits_1(tmp_path: Path) -> None:
    fake = tmp_path / "uvicorn"
    fake.mkdir()
    (fake / "__init__.py").write_text("raise ImportError('uvicorn is not installed')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([*MODULE, "--port", "0"], capture_output=True, text=True, env=env, timeout=30)
    assert done.returncode == 1
    assert done.stdout == ""
    assert (
        done.stderr.strip()
        == "The local server needs extra packages: pip install 'terraform-provider-openai[server]'"
    )


def test_bad_fail_kind_is_a_usage_error() -> None:
    done = subprocess.run(
        [*MODULE, "--fail-next", "1", "--fail-kind", "boom"], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 2 and "--fail-kind" in done.stderr


def test_wrong_api_key_is_rejected_with_401() -> None:
    with LocalServer.start(api_key="sk-right") as server:
        with pytest.raises(openai.AuthenticationError) as err:
            OpenAI(base_url=server.base_url, api_key="sk-wrong", max_retries=0).chat.completions.create(
                model="m", messages=[user("x")]
            )
        assert (err.value.status_code, err.value.code) == (401, "invalid_api_key")
        assert "sk-wrong" not in err.value.message
        ok = OpenAI(base_url=server.base_url, api_key="sk-right", max_retries=0)
        assert ok.chat.completions.create(model="m", messages=[user("x")]).choices
        azure = AzureOpenAI(
            azure_endpoint=server.azure_endpoint, api_version="2024-10-21", api_key="sk-right"
        )
        assert azure.chat.completions.create(model="d", messages=[user("x")]).model == "d"
        bad_azure = AzureOpenAI(
            azure_endpoint=server.azure_endpoint, api_version="2024-10-21", api_key="nope", max_retries=0
        )
        with pytest.raises(openai.AuthenticationError):
            bad_azure.chat.completions.create(model="d", messages=[user("x")])
        status, body, _ = raw_request(
            f"{server.base_url}/chat/completions", {"model": "m", "messages": [user("x")]}
        )
        assert (status, body["error"]["code"]) == (401, "invalid_api_key")
        records = server.requests()
        assert [r["status"] for r in records] == [401, 200, 200, 401, 401]
        assert "sk-right" not in str(records) and "sk-wrong" not in str(records)
        check_answers(server)
    assert "sk-right" not in server.stderr() + "\n".join(server.stdout_lines)


def test_db_keeps_stored_completions_across_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "completions.sqlite"
    with LocalServer.start(db=db) as first:
        client = OpenAI(base_url=first.base_url, api_key="k", max_retries=0)
        kept = client.chat.completions.create(
            model="m", messages=[user("remember me")], store=True, metadata={"a": "1"}
        )
        client.chat.completions.update(kept.id, metadata={"a": "2"})
        gone = client.chat.completions.create(model="m", messages=[user("forget me")], store=True)
        client.chat.completions.delete(gone.id)
    with LocalServer.start(db=db) as second:
        client = OpenAI(base_url=second.base_url, api_key="k", max_retries=0)
        again = client.chat.completions.retrieve(kept.id)
        assert (again.metadata, again.choices[0].message.content) == (
            {"a": "2"},
            "Local reply to: remember me",
        )
        assert [c.id for c in client.chat.completions.list().data] == [kept.id]
        assert [m.content for m in client.chat.completions.messages.list(kept.id).data] == ["remember me"]
        newer = client.chat.completions.create(model="m", messages=[user("later")], store=True)
        assert [c.id for c in client.chat.completions.list().data] == [kept.id, newer.id]
        check_answers(second)


def test_latency_flag_delays_every_create() -> None:
    with LocalServer.start("--latency-ms", "300") as server:
        start = time.monotonic()
        status, _, _ = raw_request(
            f"{server.base_url}/chat/completions", {"model": "m", "messages": [user("x")]}
        )
        assert status == 200 and time.monotonic() - start >= 0.3
        start = time.monotonic()
        raw_request(f"{server.base_url}/chat/completions?limit=1")
        assert time.monotonic() - start < 0.3


def test_fail_next_flag_fails_the_next_requests() -> None:
    with LocalServer.start("--fail-next", "2", "--fail-kind", "503") as server:
        url = f"{server.base_url}/chat/completions"
        body = {"model": "m", "messages": [user("x")]}
        assert [raw_request(url, body)[0] for _ in range(3)] == [503, 503, 200]
        check_answers(server)
