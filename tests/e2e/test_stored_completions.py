"""`openai_chat_completion` with `store = true`: metadata updated in place, refresh (drift and
remote deletes), destroy, and the `store` switch. Everything a user sees: plan text, plan JSON
actions, state, and the requests the local server received."""

from __future__ import annotations

import json
from typing import Any

from openai import OpenAI

from terraform_provider_openai.marker import CREATE_MARKER_KEY
from tests.support.terraform import hcl, provider_block, required_providers

ADDR = "openai_chat_completion.x"


def write_config(ws, local, *, store: Any = True, metadata: Any = None, **provider: Any) -> None:
    lines = [f"  store = {hcl(store)}"] if store is not None else []
    if metadata is not None:
        lines.append(f"  metadata = {hcl(metadata)}")
    ws.write(
        required_providers()
        + provider_block(local.base_url, **provider)
        + """
resource "openai_chat_completion" "x" {
  model    = "gpt-4o"
  messages = [{ role = "user", content = "Keep this one" }]
"""
        + "\n".join(lines)
        + """
}
output "id" { value = openai_chat_completion.x.id }
output "content" { value = openai_chat_completion.x.content }
"""
    )


def api(local) -> OpenAI:
    return OpenAI(base_url=local.base_url, api_key="sk-local-test", max_retries=0)


def calls(local, method: str | None = None, path: str | None = None) -> list[dict[str, Any]]:
    return [
        r
        for r in local.requests()
        if (method is None or r["method"] == method) and (path is None or r["path"] == path)
    ]


def flat(text: str) -> str:
    """Terraform wraps diagnostics at 80 columns: compare words, not lines."""
    return " ".join(text.split())


def actions(plan: dict[str, Any], address: str = ADDR) -> list[str]:
    changes = [c for c in plan.get("resource_changes", []) if c["address"] == address]
    return changes[0]["change"]["actions"] if changes else []


def saved_plan(ws, *args: str) -> tuple[str, dict[str, Any]]:
    """One `terraform plan -out`: its text and its JSON (apply it with `ws.apply("tfplan")`)."""
    text = ws.plan("-out=tfplan", *args).stdout
    return text, json.loads(ws.run("show", "-json", "tfplan").stdout)


def created(ws, local, **kw: Any) -> str:
    write_config(ws, local, **kw)
    ws.init()
    ws.apply()
    completion_id = ws.outputs()["id"]
    assert completion_id.startswith("chatcmpl-")
    local.clear_requests()
    return completion_id


def test_metadata_change_updates_in_place(ws, local):
    completion_id = created(ws, local, metadata={"team": "a"})

    write_config(ws, local, metadata={"team": "b", "env": "prod"})
    text, plan = saved_plan(ws)
    assert f"# {ADDR} will be updated in-place" in text
    assert '~ resource "openai_chat_completion" "x" {' in text
    assert '~ "team" = "a" -> "b"' in text
    assert "forces replacement" not in text
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in text
    assert actions(plan) == ["update"]

    local.clear_requests()
    ws.apply("tfplan")
    writes = [r for r in local.requests() if r["method"] in ("POST", "DELETE")]
    assert [(r["method"], r["path"]) for r in writes] == [("POST", f"/v1/chat/completions/{completion_id}")]
    # the update replaces all metadata: the provider's create marker is sent along, never shown
    sent = dict(writes[0]["body"]["metadata"])
    marker = sent.pop(CREATE_MARKER_KEY)
    assert sent == {"team": "b", "env": "prod"} and marker.startswith("tfcm-")
    state = ws.resource(ADDR)
    assert state["id"] == completion_id
    assert state["metadata"] == {"team": "b", "env": "prod"}
    remote = api(local).chat.completions.retrieve(completion_id).metadata
    assert remote == {"team": "b", "env": "prod", CREATE_MARKER_KEY: marker}
    assert marker not in ws.run("show", "-no-color").stdout
    code, result = ws.plan_exit_code()
    assert code == 0, result


def test_remote_metadata_change_shows_as_drift(ws, local):
    completion_id = created(ws, local, metadata={"team": "a"})
    api(local).chat.completions.update(completion_id, metadata={"team": "changed-outside"})

    refresh_only = ws.plan("-refresh-only")
    assert "changed outside of Terraform" in refresh_only.stdout
    assert '"team" = "a" -> "changed-outside"' in refresh_only.stdout

    text, plan = saved_plan(ws)
    assert f"# {ADDR} will be updated in-place" in text
    assert '"team" = "changed-outside" -> "a"' in text
    assert actions(plan) == ["update"]
    local.clear_requests()
    ws.apply("tfplan")
    updates = calls(local, "POST", f"/v1/chat/completions/{completion_id}")
    # the update sets the user's metadata back, and the create marker the state keeps
    assert [u["body"]["metadata"].get("team") for u in updates] == ["a"]
    assert calls(local, "POST", "/v1/chat/completions") == []
    remote = api(local).chat.completions.retrieve(completion_id).metadata
    assert remote == {"team": "a", CREATE_MARKER_KEY: updates[0]["body"]["metadata"][CREATE_MARKER_KEY]}


def test_remote_delete_is_recreated(ws, local):
    completion_id = created(ws, local)
    api(local).chat.completions.delete(completion_id)

    text, plan = saved_plan(ws)
    shown = flat(text)
    assert "Warning: Stored Chat Completion Not Found" in shown
    assert f"The stored chat completion {completion_id} no longer exists" in shown
    assert f"# {ADDR} will be created" in text
    assert "Plan: 1 to add, 0 to change, 0 to destroy." in text
    assert actions(plan) == ["create"]

    local.clear_requests()
    ws.apply("tfplan")
    new_id = ws.outputs()["id"]
    assert new_id != completion_id
    assert api(local).chat.completions.retrieve(new_id).id == new_id
    assert len(calls(local, "POST", "/v1/chat/completions")) == 1
    code, result = ws.plan_exit_code()
    assert code == 0, result


def test_unstored_completion_is_never_called_after_create(ws, local):
    created(ws, local, store=None)
    code, result = ws.plan_exit_code()
    assert code == 0, result
    ws.destroy()
    assert local.requests() == []


def test_refresh_rereads_and_destroy_deletes_stored_completion(ws, local):
    completion_id = created(ws, local)
    code, result = ws.plan_exit_code()
    assert code == 0, result
    assert [(r["method"], r["path"]) for r in local.requests()] == [
        ("GET", f"/v1/chat/completions/{completion_id}")
    ]

    local.clear_requests()
    ws.destroy()
    assert [r["status"] for r in calls(local, "DELETE", f"/v1/chat/completions/{completion_id}")] == [200]
    assert api(local).chat.completions.list().data == []
    assert ws.run("state", "list").stdout.strip() == ""


def test_destroy_after_remote_delete_succeeds(ws, local):
    completion_id = created(ws, local)
    api(local).chat.completions.delete(completion_id)
    local.clear_requests()
    # without a refresh the provider still believes the completion exists: its DELETE gets a 404
    ws.destroy("-refresh=false")
    assert [r["status"] for r in calls(local, "DELETE", f"/v1/chat/completions/{completion_id}")] == [404]
    assert ws.run("state", "list").stdout.strip() == ""


def test_delete_error_is_reported_and_resource_stays_in_state(ws, local):
    completion_id = created(ws, local, max_retries=0)
    local.inject_fault("500", 1, f"/v1/chat/completions/{completion_id}")
    result = ws.destroy("-refresh=false", check=False)
    assert result.returncode == 1
    shown = flat(result.output)
    assert "Error: Delete Chat Completion Error" in shown
    assert "The API answered HTTP 500" in shown
    assert ws.run("state", "list").stdout.split() == [ADDR]
    assert api(local).chat.completions.retrieve(completion_id).id == completion_id


def test_switching_store_replaces(ws, local):
    unstored = created(ws, local, store=False)

    write_config(ws, local, store=True)
    text, plan = saved_plan(ws)
    assert f"# {ADDR} must be replaced" in text
    assert "~ store = false -> true # forces replacement" in " ".join(text.split())
    assert actions(plan) == ["delete", "create"]
    ws.apply("tfplan")
    stored = ws.outputs()["id"]
    assert stored != unstored
    assert api(local).chat.completions.retrieve(stored).id == stored

    write_config(ws, local, store=False)
    text, plan = saved_plan(ws)
    assert actions(plan) == ["delete", "create"]
    local.clear_requests()
    ws.apply("tfplan")
    assert [r["status"] for r in calls(local, "DELETE", f"/v1/chat/completions/{stored}")] == [200]
    assert ws.outputs()["id"] not in (stored, unstored)
    assert api(local).chat.completions.list().data == []
