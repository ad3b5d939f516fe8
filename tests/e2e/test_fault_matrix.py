"""Nothing lost, nothing duplicated: stored creates under faults, with the real terraform binary.

Each test counts, from the local server's own records, the stored completions and the create
requests, and checks that after at most one more apply the stored completions are exactly the
ones in state.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from typing import Any

import pytest
from openai import OpenAI

from terraform_provider_openai.marker import CREATE_MARKER_KEY
from tests.support.localserver import LocalServer
from tests.support.terraform import Result, Workspace, provider_block, required_providers

CREATES = ("POST", "/v1/chat/completions")


def config(server: LocalServer, count: int, **provider: Any) -> str:
    return (
        required_providers()
        + provider_block(server.base_url, **provider)
        + f"""
resource "openai_chat_completion" "x" {{
  count    = {count}
  model    = "gpt-4o"
  store    = true
  metadata = {{ suite = "faults" }}
  messages = [{{ role = "user", content = "fault ${{count.index}}" }}]
}}
"""
    )


def tracked(ws: Workspace) -> list[str]:
    """IDs of the completions in state (a partial instance has none)."""
    resources = ((ws.state().get("values") or {}).get("root_module") or {}).get("resources", [])
    return sorted(r["values"]["id"] for r in resources if r["values"].get("id"))


def instances(ws: Workspace) -> int:
    return len(ws.run("state", "list").stdout.split())


def creates(server: LocalServer) -> list[dict[str, Any]]:
    return [r for r in server.requests() if (r["method"], r["path"]) == CREATES]


def wait_settled(server: LocalServer, timeout: float = 60) -> None:
    """Wait until the server has answered every request it received (those whose client gave up
    too: the server still finishes and stores them)."""
    deadline = time.monotonic() + timeout
    while any(r["status"] is None for r in server.requests()):
        assert time.monotonic() < deadline, "the local server did not finish its requests"
        time.sleep(0.05)


def start_apply(ws: Workspace, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """`terraform apply` in the background, in its own process group (as a terminal runs it)."""
    return subprocess.Popen(
        [ws.home.binary, "apply", "-no-color", "-input=false", "-auto-approve", *args],
        cwd=ws.path,
        env=ws.home.env(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def wait_for_creates(
    server: LocalServer, count: int, apply: subprocess.Popen[str], timeout: float = 60
) -> None:
    """Wait until the server has received `count` create requests."""
    deadline = time.monotonic() + timeout
    while len(creates(server)) < count:
        assert apply.poll() is None, apply.communicate()
        assert time.monotonic() < deadline, "the creates did not reach the server"
        time.sleep(0.02)


def assert_exactly_once(ws: Workspace, server: LocalServer, count: int) -> None:
    assert server.stored_ids() == tracked(ws), "stored completions and state differ"
    assert len(tracked(ws)) == count == instances(ws)


def text(result: Result) -> str:
    return " ".join(result.output.split())


@pytest.fixture
def slow() -> Any:
    """A local server of its own whose creates take 2 s."""
    with LocalServer.start("--latency-ms", "2000") as server:
        yield server


@pytest.mark.parametrize(
    ("fault", "count"),
    [("500-after-store", 3), ("500-after-store/no-retry", 1)],
    ids=["500", "500-that-says-do-not-retry"],
)
def test_a_500_after_the_api_stored_the_completion_is_adopted_not_created_again(ws, local, fault, count):
    ws.write(config(local, count))
    ws.init()
    local.inject_fault(fault, count=1, path_prefix="/v1/chat/completions")
    result = ws.apply()
    assert "Warning: Stored Chat Completion Adopted" in result.output
    assert len(creates(local)) == count  # no create was sent twice
    assert_exactly_once(ws, local, count)
    code, plan = ws.plan_exit_code()
    assert code == 0, plan


def test_a_500_that_says_do_not_retry_is_never_sent_again(ws, local):
    ws.write(config(local, 1))  # max_retries: the default 2
    ws.init()
    local.inject_fault("500/no-retry", count=1, path_prefix="/v1/chat/completions")
    failed = ws.apply(check=False)
    assert failed.returncode == 1
    assert "Error: Create Chat Completion Error" in text(failed)
    assert len(creates(local)) == 1 and local.stored_ids() == []
    assert instances(ws) == 1 and tracked(ws) == []  # kept tainted with its marker, as any open outcome
    ws.apply()
    assert len(creates(local)) == 2
    assert_exactly_once(ws, local, 1)


def test_an_uncertain_create_is_kept_tainted_and_the_next_apply_settles_it(ws, local):
    ws.write(config(local, 1, max_retries=0))
    ws.init()
    local.inject_fault("500", count=1, path_prefix="/v1/chat/completions")
    failed = ws.apply(check=False)
    assert failed.returncode == 1
    detail = text(failed)
    assert "Error: Create Chat Completion Error" in detail
    assert "The API answered HTTP 500" in detail
    assert (
        f"The API may have stored the completion all the same. Terraform keeps this instance as tainted, with the create marker {CREATE_MARKER_KEY} = tfcm-"
        in detail
    )
    assert instances(ws) == 1 and tracked(ws) == []  # a partial instance: no ID yet
    assert "tainted" in ws.run("show", "-no-color").stdout
    assert len(creates(local)) == 1 and local.stored_ids() == []

    plan = ws.plan()
    assert "is tainted, so must be replaced" in plan.stdout
    ws.apply()
    assert len(creates(local)) == 2
    assert_exactly_once(ws, local, 1)


def test_a_timeout_shorter_than_the_api_converges_after_one_more_apply(ws, slow):
    ws.write(config(slow, 3, timeout=1, max_retries=2))
    ws.init()
    first = ws.apply(check=False)
    print(first)
    wait_settled(slow)  # copies of attempts that timed out are stored late
    assert len(creates(slow)) <= 9  # never more than the attempts the provider was allowed

    ws.write(config(slow, 3, timeout=30, max_retries=2))
    second = ws.apply()
    print(second)
    wait_settled(slow)
    assert_exactly_once(ws, slow, 3)
    code, plan = ws.plan_exit_code()
    assert code == 0, plan


def test_copies_stored_after_the_next_apply_are_swept_by_the_refreshes_that_follow(ws, slow):
    ws.write(config(slow, 2, timeout=1, max_retries=2))
    ws.init()
    ws.apply(check=False)
    ws.write(config(slow, 2, timeout=30, max_retries=2))
    ws.apply()  # at once: late copies may still be on their way
    wait_settled(slow)
    code, plan = ws.plan_exit_code()  # its refresh sweeps what landed since
    assert code == 0, plan
    assert_exactly_once(ws, slow, 2)


def test_a_timeout_then_adoption_at_refresh_keeps_one_completion(ws, slow):
    ws.write(config(slow, 1, timeout=1, max_retries=0))
    ws.init()
    failed = ws.apply(check=False)
    assert failed.returncode == 1 and "The request timed out" in text(failed)
    assert instances(ws) == 1 and tracked(ws) == []
    wait_settled(slow)
    assert len(slow.stored_ids()) == 1  # the API finished the work after the provider gave up

    ws.write(config(slow, 1, timeout=30))
    refreshed = ws.plan()
    assert "Warning: Stored Chat Completion Adopted" in refreshed.output
    assert "terraform untaint" in text(refreshed)
    ws.apply()
    wait_settled(slow)
    assert_exactly_once(ws, slow, 1)
    # the adopted one was replaced (the instance was tainted): deleted, not left behind
    assert len(creates(slow)) == 2


def test_a_dropped_connection_is_looked_up_then_sent_again(ws, local):
    ws.write(config(local, 2))
    ws.init()
    local.inject_fault("drop", count=1, path_prefix="/v1/chat/completions")
    ws.apply()
    lookups = [r for r in local.requests() if r["method"] == "GET" and r["path"] == "/v1/chat/completions"]
    assert len(lookups) >= 1
    assert all(f"metadata%5B{CREATE_MARKER_KEY}%5D=tfcm-" in r["query"] for r in lookups)
    assert len(creates(local)) == 3
    assert_exactly_once(ws, local, 2)


def test_a_burst_of_rate_limits_is_waited_out_without_duplicates(ws, local):
    ws.write(config(local, 3, max_retries=5))
    ws.init()
    local.inject_fault("429", count=6, path_prefix="/v1/chat/completions")
    ws.apply()
    assert sorted(r["status"] for r in creates(local)) == [200] * 3 + [429] * 6
    assert not [r for r in local.requests() if r["method"] == "GET"]  # a 429 needs no lookup
    assert_exactly_once(ws, local, 3)


def test_destroy_deletes_every_completion_carrying_the_instance_marker(ws, local):
    ws.write(config(local, 1))
    ws.init()
    ws.apply()
    (completion_id,) = tracked(ws)
    api = OpenAI(base_url=local.base_url, api_key="sk-local-test", max_retries=0)
    marker = api.chat.completions.retrieve(completion_id).metadata[CREATE_MARKER_KEY]
    # a copy that reached the API after its create had given up, carrying the same marker
    late = api.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": "late"}],
        store=True,
        metadata={CREATE_MARKER_KEY: marker},
    )
    result = ws.destroy()
    assert "Warning: Duplicate Stored Chat Completions Deleted" in result.output
    assert late.id in text(result)
    assert local.stored_ids() == []


def test_the_marker_never_shows_in_state_outputs_or_plans(ws, local):
    ws.write(config(local, 1) + 'output "metadata" { value = openai_chat_completion.x[0].metadata }\n')
    ws.init()
    ws.apply()
    assert ws.outputs()["metadata"] == {"suite": "faults"}
    assert CREATE_MARKER_KEY not in json.dumps(ws.state())
    code, plan = ws.plan_exit_code()
    assert code == 0, plan


def test_leftovers_names_and_deletes_marked_completions_no_state_tracks(ws, local):
    ws.write(config(local, 2))
    ws.init()
    ws.apply()
    api = OpenAI(base_url=local.base_url, api_key="sk-local-test", max_retries=0)
    # what a provider killed outright mid-create leaves: a completion with a marker nobody tracks
    orphan = api.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": "orphan"}],
        store=True,
        metadata={CREATE_MARKER_KEY: "tfcm-killed"},
    )
    env = {**os.environ, "OPENAI_BASE_URL": local.base_url, "OPENAI_API_KEY": "sk-local-test"}
    command = [sys.executable, "-m", "terraform_provider_openai", "leftovers", "--state", "terraform.tfstate"]

    listed = subprocess.run(command, cwd=ws.path, env=env, capture_output=True, text=True, check=True)
    lines = dict(line.split("  ", 1) for line in listed.stdout.splitlines())
    assert lines[orphan.id] == "tfcm-killed  leftover (no state has its marker)"
    assert sorted(i for i, rest in lines.items() if rest.endswith("tracked")) == tracked(ws)

    # --delete alone keeps what may be another workspace's; --all takes it too
    kept = subprocess.run([*command, "--delete"], cwd=ws.path, env=env, capture_output=True, text=True)
    assert kept.returncode == 0, kept.stderr
    assert f"{orphan.id}  tfcm-killed  leftover (no state has its marker)" in kept.stdout
    deleted = subprocess.run(
        [*command, "--delete", "--all"], cwd=ws.path, env=env, capture_output=True, text=True
    )
    assert deleted.returncode == 0, deleted.stderr
    assert f"{orphan.id}  tfcm-killed  deleted" in deleted.stdout
    assert_exactly_once(ws, local, 2)


def test_leftovers_reaches_azure_openai_from_the_providers_environment(local, tmp_path):
    from openai import AzureOpenAI

    api = AzureOpenAI(
        azure_endpoint=local.azure_endpoint, api_version="2024-10-21", api_key="azure-key-1234", max_retries=0
    )
    orphan = api.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": "orphan"}],
        store=True,
        metadata={CREATE_MARKER_KEY: "tfcm-azure"},
    )
    state = tmp_path / "empty.tfstate"
    state.write_text(json.dumps({"version": 4, "resources": []}))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AZURE_OPENAI_"))}
    env |= {
        "AZURE_OPENAI_ENDPOINT": local.azure_endpoint,
        "OPENAI_API_VERSION": "2024-10-21",
        "AZURE_OPENAI_API_KEY": "azure-key-1234",
    }
    command = [sys.executable, "-m", "terraform_provider_openai", "leftovers", "--state", str(state)]
    local.clear_requests()
    deleted = subprocess.run([*command, "--delete", "--all"], env=env, capture_output=True, text=True)
    assert deleted.returncode == 0, deleted.stderr
    assert deleted.stdout.splitlines() == [f"{orphan.id}  tfcm-azure  deleted"]
    assert local.stored_ids() == []
    paths = [(r["method"], r["path"]) for r in local.requests()]
    assert paths[:2] == [
        ("GET", "/openai/chat/completions"),
        ("DELETE", f"/openai/chat/completions/{orphan.id}"),
    ]

    no_version = subprocess.run(
        command, env={**env, "OPENAI_API_VERSION": ""}, capture_output=True, text=True
    )
    assert no_version.returncode == 2
    assert "Azure OpenAI needs an API version: --api-version or OPENAI_API_VERSION" in no_version.stderr
    both = subprocess.run([*command, "--base-url", local.base_url], env=env, capture_output=True, text=True)
    assert both.returncode == 2
    assert (
        "--base-url (OpenAI or a compatible server) and AZURE_OPENAI_ENDPOINT (set in the environment)"
        in both.stderr
    )


def test_a_server_restart_mid_apply_loses_nothing_and_duplicates_nothing(ws, tmp_path):
    with LocalServer.start("--latency-ms", "1500", db=tmp_path / "store.sqlite") as server:
        ws.write(config(server, 3, max_retries=4))
        ws.init()
        apply = start_apply(ws)
        wait_for_creates(server, 3, apply)
        server.restart(kill=True)  # the creates in flight die with it, unanswered
        out, err = apply.communicate(timeout=120)
        assert apply.returncode == 0, out + err
        assert "Apply complete! Resources: 3 added" in out
        assert_exactly_once(ws, server, 3)
        code, plan = ws.plan_exit_code()
        assert code == 0, plan


def interrupt(apply: subprocess.Popen[str]) -> tuple[str, str]:
    """One Ctrl-C, as a terminal sends it: SIGINT to terraform's whole process group."""
    os.killpg(apply.pid, signal.SIGINT)
    return apply.communicate(timeout=120)


def test_one_ctrl_c_lets_creates_in_flight_reach_state_and_the_next_apply_adds_the_rest(ws, slow):
    ws.write(config(slow, 6))
    ws.init()
    apply = start_apply(ws, "-parallelism=3")
    wait_for_creates(slow, 3, apply)
    out, err = interrupt(apply)
    assert "Plugin did not respond" not in out + err
    assert "Interrupt received" in out + err
    wait_settled(slow)
    assert len(creates(slow)) == 3  # nothing new started after the interrupt
    assert_exactly_once(ws, slow, 3)  # the three in flight finished and were saved

    ws.apply()
    assert len(creates(slow)) == 6  # the other three, and no duplicate
    assert_exactly_once(ws, slow, 6)


def test_a_ctrl_c_longer_than_the_grace_period_leaves_tainted_instances_the_next_apply_settles(ws, slow):
    ws.write(config(slow, 2))
    ws.init()
    apply = start_apply(ws, env={"TF_PROVIDER_OPENAI_STOP_GRACE": "0.2"})
    wait_for_creates(slow, 2, apply)
    out, err = interrupt(apply)
    assert "Plugin did not respond" not in out + err
    assert "the API had not answered within the grace period of 0.2 s" in " ".join((out + err).split())
    assert instances(ws) == 2 and tracked(ws) == []  # kept, tainted, with their markers
    wait_settled(slow)  # the API finished them after the provider gave up
    assert len(slow.stored_ids()) == 2

    ws.apply()  # refresh adopts both, then the tainted instances are replaced
    wait_settled(slow)
    assert_exactly_once(ws, slow, 2)
    assert len(creates(slow)) == 4


def _marker(server: LocalServer, completion_id: str) -> str:
    api = OpenAI(base_url=server.base_url, api_key="sk-local-test", max_retries=0)
    return str(api.chat.completions.retrieve(completion_id).metadata[CREATE_MARKER_KEY])


@pytest.mark.parametrize("create_before_destroy", [False, True])
def test_a_replacement_gets_a_new_marker_and_the_old_one_is_swept(ws, local, create_before_destroy):
    lifecycle = "  lifecycle {\n    create_before_destroy = true\n  }\n}" if create_before_destroy else "}"
    ws.write(config(local, 1).rstrip().removesuffix("}") + lifecycle + "\n")
    ws.init()
    ws.apply()
    (old_id,) = tracked(ws)
    old_marker = _marker(local, old_id)
    ws.apply("-replace=openai_chat_completion.x[0]")
    (new_id,) = tracked(ws)
    assert new_id != old_id and _marker(local, new_id) != old_marker
    assert_exactly_once(ws, local, 1)


def test_an_imported_completion_keeps_its_marker_and_destroy_sweeps_its_copies(ws, local):
    api = OpenAI(base_url=local.base_url, api_key="sk-local-test", max_retries=0)
    body: dict[str, Any] = {
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": "imported"}],
        "store": True,
        "metadata": {CREATE_MARKER_KEY: "tfcm-imported"},
    }
    original = api.chat.completions.create(**body)
    copy = api.chat.completions.create(**body)  # a duplicate from the create that made it
    ws.write(
        required_providers()
        + provider_block(local.base_url)
        + """
resource "openai_chat_completion" "x" {
  model    = "gpt-4o"
  store    = true
  messages = [{ role = "user", content = "imported" }]
}
"""
    )
    ws.init()
    ws.run("import", "-no-color", "-input=false", "openai_chat_completion.x", original.id)
    assert ws.resource("openai_chat_completion.x")["metadata"] is None  # the marker stays hidden
    result = ws.destroy()
    assert copy.id in text(result)
    assert local.stored_ids() == []


def test_dropped_connections_and_a_5xx_during_destroy_leave_nothing_behind(ws, local):
    ws.write(config(local, 2))
    ws.init()
    ws.apply()
    # the refresh's reads and the deletes are dropped or fail once each: GET and DELETE are safe
    # to send again, so the SDK's retries carry the destroy through
    local.inject_fault("drop", count=2, path_prefix="/v1/chat/completions/")
    local.inject_fault("500", count=1, path_prefix="/v1/chat/completions")
    ws.destroy()
    assert local.stored_ids() == [] and instances(ws) == 0
    deletes = [r for r in local.requests() if r["method"] == "DELETE" and r["status"] == 200]
    assert len(deletes) == 2  # one per instance, no more
