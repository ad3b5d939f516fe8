"""The life of one `openai_chat_completion`, as a user lives it: plan, apply, plan again (nothing),
change an input (a new completion), change `keepers` (a new completion), change `metadata` (in
place), destroy. Plans and refreshes of a completion that is not stored never call the API."""

from __future__ import annotations

import json
from typing import Any

from tests.support.localserver import LocalServer
from tests.support.terraform import Result, Workspace, provider_block, required_providers

ADDR = "openai_chat_completion.x"


def _config(server: LocalServer, body: str) -> str:
    return (
        required_providers()
        + provider_block(server.base_url)
        + f'resource "openai_chat_completion" "x" {{\n{body}\n}}\n'
        + """
output "content" { value = openai_chat_completion.x.content }
output "first_choice" { value = openai_chat_completion.x.choices[0].message[0].content }
output "role" { value = openai_chat_completion.x.message.role }
"""
    )


def _creates(server: LocalServer) -> list[dict[str, Any]]:
    return [r for r in server.requests() if r["method"] == "POST" and r["path"] == "/v1/chat/completions"]


def _saved_plan(ws: Workspace) -> tuple[Result, dict[str, Any]]:
    """`terraform plan -out=tfplan`: its text and its JSON; `ws.apply("tfplan")` applies it as is."""
    result = ws.plan("-out=tfplan")
    return result, json.loads(ws.run("show", "-json", "tfplan").stdout)


def _actions(plan: dict[str, Any], address: str = ADDR) -> list[str]:
    for change in plan.get("resource_changes", []):
        if change["address"] == address:
            return change["change"]["actions"]
    raise KeyError(address)


BASE = """
  model       = "gpt-4o"
  temperature = 0.7
  messages = [
    { role = "system", content = "You are terse." },
    { role = "user", content = "Hello there" },
  ]
"""


def test_create_plan_again_replace_update_and_destroy(ws: Workspace, local: LocalServer) -> None:
    ws.write(_config(local, BASE))
    ws.init()

    plan, plan_json = _saved_plan(ws)
    assert "Plan: 1 to add, 0 to change, 0 to destroy." in plan.stdout
    assert _actions(plan_json) == ["create"]

    ws.apply("tfplan")
    state = ws.resource(ADDR)
    assert state["id"].startswith("chatcmpl-")
    assert state["content"] == "Local reply to: Hello there"
    assert state["finish_reason"] == "stop"
    assert state["message"]["role"] == "assistant"
    assert state["message"]["content"] == "Local reply to: Hello there"
    assert state["choices"][0]["index"] == 0
    assert state["choices"][0]["message"][0]["content"] == "Local reply to: Hello there"
    usage = state["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0
    assert state["response_model"] == "gpt-4o"
    assert state["temperature"] == 0.7
    outputs = ws.outputs()
    assert outputs["content"] == outputs["first_choice"] == "Local reply to: Hello there"
    assert outputs["role"] == "assistant"

    # a generated text does not change under you: the next plan (with its refresh) is empty,
    # and 0.7 read back from state equals the configured 0.7 (no perpetual diff)
    code, plan = ws.plan_exit_code()
    assert code == 0, plan
    assert "No changes." in plan.stdout
    creates = _creates(local)
    assert len(creates) == 1, creates
    assert creates[0]["body"]["temperature"] == 0.7
    assert [m["role"] for m in creates[0]["body"]["messages"]] == ["system", "user"]
    # the whole sequence so far made exactly one API call
    assert len(local.requests()) == 1, local.requests()
    first_id = state["id"]

    # an input change plans a replacement
    ws.write(_config(local, BASE.replace("temperature = 0.7", "temperature = 0.2")))
    plan, plan_json = _saved_plan(ws)
    assert "# forces replacement" in plan.stdout
    assert "must be replaced" in plan.stdout
    assert _actions(plan_json) == ["delete", "create"]
    ws.apply("tfplan")
    assert len(_creates(local)) == 2
    state = ws.resource(ADDR)
    assert state["id"] != first_id
    assert state["temperature"] == 0.2

    # a message change too
    ws.write(
        _config(
            local, BASE.replace("temperature = 0.7", "temperature = 0.2").replace("Hello there", "Hi again")
        )
    )
    assert _actions(ws.plan_json()) == ["delete", "create"]

    # keepers: changing them asks for a new completion
    with_keepers = BASE.replace("temperature = 0.7", "temperature = 0.2") + '  keepers = { round = "1" }\n'
    ws.write(_config(local, with_keepers))
    ws.apply()
    assert len(_creates(local)) == 3
    ws.write(_config(local, with_keepers.replace('round = "1"', 'round = "2"')))
    plan, plan_json = _saved_plan(ws)
    assert "keepers" in plan.stdout and "# forces replacement" in plan.stdout
    assert _actions(plan_json) == ["delete", "create"]
    ws.apply("tfplan")
    assert len(_creates(local)) == 4
    replaced_id = ws.resource(ADDR)["id"]

    # metadata of a completion that is not stored: updated in place, no API call
    local.clear_requests()
    with_metadata = with_keepers.replace('round = "1"', 'round = "2"') + '  metadata = { team = "docs" }\n'
    ws.write(_config(local, with_metadata))
    plan, plan_json = _saved_plan(ws)
    assert _actions(plan_json) == ["update"]
    assert "1 to change" in plan.stdout and "forces replacement" not in plan.stdout
    ws.apply("tfplan")
    state = ws.resource(ADDR)
    assert state["metadata"] == {"team": "docs"}
    assert state["id"] == replaced_id
    assert state["content"] == "Local reply to: Hello there"
    assert local.requests() == []
    code, plan = ws.plan_exit_code()
    assert code == 0, plan

    # destroy: nothing stored, nothing to delete at the API
    result = ws.destroy()
    assert "1 destroyed" in result.stdout
    assert local.requests() == []
    assert ws.state().get("values") is None


def test_setting_a_default_value_explicitly_does_not_replace(ws: Workspace, local: LocalServer) -> None:
    body = """
  model    = "gpt-4o"
  messages = [{ role = "user", content = "Defaults" }]
"""
    ws.write(_config(local, body))
    ws.init()
    ws.apply()
    before = ws.resource(ADDR)
    assert before["temperature"] is None

    # the API's own defaults: the same request, so the same completion
    ws.write(_config(local, body + "  temperature = 1\n  top_p = 1\n  n = 1\n  presence_penalty = 0\n"))
    plan = ws.plan_json()
    assert _actions(plan) in (["update"], ["no-op"])
    ws.apply()
    after = ws.resource(ADDR)
    assert after["id"] == before["id"]
    assert after["content"] == before["content"]
    assert after["temperature"] == 1
    assert len(_creates(local)) == 1
    code, result = ws.plan_exit_code()
    assert code == 0, result

    # and back again (unset): still the same completion
    ws.write(_config(local, body))
    assert _actions(ws.plan_json()) in (["update"], ["no-op"])
    ws.apply()
    assert ws.resource(ADDR)["id"] == before["id"]
    assert len(_creates(local)) == 1


def test_numbers_round_trip_exactly(ws: Workspace, local: LocalServer) -> None:
    body = """
  model             = "gpt-4o"
  messages          = [{ role = "user", content = "Numbers" }]
  temperature       = 0.12345678901234567890
  top_p             = 0.1
  frequency_penalty = -1.25
  seed              = -9223372036854775808
  max_tokens        = 100000
  logit_bias        = { "50256" = -100 }
"""
    ws.write(_config(local, body))
    ws.init()
    ws.apply()
    sent = _creates(local)[0]["body"]
    assert sent["seed"] == -(2**63) and sent["max_tokens"] == 100000 and sent["top_p"] == 0.1
    assert sent["logit_bias"] == {"50256": -100}
    code, plan = ws.plan_exit_code()
    assert code == 0, plan
    assert len(_creates(local)) == 1
