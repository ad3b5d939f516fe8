"""The gRPC servicer driven with constructed protobuf requests (msgpack DynamicValues), as
Terraform sends them: plans for create, update, replace and destroy; applies; validation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgpack
import pytest
from openai.types.chat import ChatCompletion

from terraform_provider_openai.framework.gen import tfplugin6_8_pb2 as pb
from terraform_provider_openai.framework.schema import encode_state
from terraform_provider_openai.framework.servicer import (
    ProviderServicer,
    read_dynamic_value,
    to_dynamic_value,
)
from terraform_provider_openai.framework.types import Unknown
from terraform_provider_openai.provider import OpenAIProvider
from terraform_provider_openai.resources.chat_completion import ChatCompletionResource

TYPE = "openai_chat_completion"
SCHEMA = ChatCompletionResource.get_schema()
CONFIG = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "temperature": 0.7}
ANSWER = ChatCompletion.construct(
    id="chatcmpl-1",
    object="chat.completion",
    created=1700000000,
    model="gpt-4o-2024-08-06",
    choices=[{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "hello"}}],
    usage={"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
)


class FakeClient:
    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []

    def ensure_ready(self) -> None:
        pass

    def create_chat_completion(self, body: dict[str, Any]) -> ChatCompletion:
        self.bodies.append(body)
        return ANSWER


@pytest.fixture
def servicer() -> ProviderServicer:
    provider = OpenAIProvider()
    provider._client = FakeClient()
    return ProviderServicer(provider)


def dv(values: dict[str, Any] | None) -> pb.DynamicValue:
    return to_dynamic_value(encode_state(SCHEMA, values))


def decoded(value: pb.DynamicValue) -> Any:
    return read_dynamic_value(value)


def created_state(servicer: ProviderServicer) -> dict[str, Any]:
    planned = servicer.PlanResourceChange(
        pb.PlanResourceChange.Request(
            type_name=TYPE, prior_state=dv(None), proposed_new_state=dv(CONFIG), config=dv(CONFIG)
        ),
        None,
    ).planned_state
    resp = servicer.ApplyResourceChange(
        pb.ApplyResourceChange.Request(
            type_name=TYPE, prior_state=dv(None), planned_state=planned, config=dv(CONFIG)
        ),
        None,
    )
    assert not resp.diagnostics, resp.diagnostics
    return decoded(resp.new_state)


def plan(
    servicer: ProviderServicer, prior: dict[str, Any], config: dict[str, Any]
) -> pb.PlanResourceChange.Response:
    proposed = {**prior, **config}
    return servicer.PlanResourceChange(
        pb.PlanResourceChange.Request(
            type_name=TYPE, prior_state=dv(prior), proposed_new_state=dv(proposed), config=dv(config)
        ),
        None,
    )


def replaced(resp: pb.PlanResourceChange.Response) -> set[str]:
    return {p.steps[0].attribute_name for p in resp.requires_replace}


def test_create_plan_marks_outputs_unknown_and_keeps_inputs(servicer: ProviderServicer) -> None:
    resp = servicer.PlanResourceChange(
        pb.PlanResourceChange.Request(
            type_name=TYPE, prior_state=dv(None), proposed_new_state=dv(CONFIG), config=dv(CONFIG)
        ),
        None,
    )
    assert not resp.diagnostics
    planned = decoded(resp.planned_state)
    for output in ("id", "content", "choices", "usage", "message", "response_model"):
        assert planned[output] is Unknown, output
    assert planned["temperature"] == "0.7"  # exact decimal on the wire
    assert planned["metadata"] is None and planned["keepers"] is None
    assert set(planned) == {a.name for a in SCHEMA.attributes}
    assert not resp.requires_replace


def test_apply_create_calls_the_api_once_and_fills_outputs(servicer: ProviderServicer) -> None:
    state = created_state(servicer)
    assert servicer.provider._client.bodies == [
        {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "temperature": 0.7}
    ]
    assert state["id"] == "chatcmpl-1"
    assert state["content"] == "hello"
    assert state["response_model"] == "gpt-4o-2024-08-06"
    assert state["usage"] == {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
    assert state["choices"][0]["message"][0]["content"] == "hello"
    assert state["message"]["function_call"] is None


def test_unchanged_plan_is_a_no_op(servicer: ProviderServicer) -> None:
    prior = {**CONFIG, **{k: v for k, v in created_state(servicer).items() if v is not None}}
    prior["temperature"] = 0.7
    resp = plan(servicer, prior, CONFIG)
    assert not resp.requires_replace
    assert decoded(resp.planned_state) == decoded(dv(prior))


def test_input_change_requires_replacement(servicer: ProviderServicer) -> None:
    prior = created_state(servicer)
    prior["temperature"] = 0.7
    assert replaced(plan(servicer, prior, {**CONFIG, "temperature": 0.2})) == {"temperature"}
    assert replaced(plan(servicer, prior, {**CONFIG, "keepers": {"v": "2"}})) == {"keepers"}
    new_messages = [{"role": "user", "content": "other"}]
    assert replaced(plan(servicer, prior, {**CONFIG, "messages": new_messages})) == {"messages"}


def test_metadata_and_explicit_defaults_update_in_place(servicer: ProviderServicer) -> None:
    prior = created_state(servicer)
    prior["temperature"] = 0.7
    assert replaced(plan(servicer, prior, {**CONFIG, "metadata": {"team": "a"}})) == set()
    assert replaced(plan(servicer, prior, {**CONFIG, "top_p": 1, "n": 1})) == set()
    assert replaced(plan(servicer, prior, {**CONFIG, "top_p": 0.5})) == {"top_p"}


def test_update_of_a_non_stored_completion_makes_no_call(servicer: ProviderServicer) -> None:
    prior = created_state(servicer)
    planned = {**prior, "metadata": {"team": "a"}}
    resp = servicer.ApplyResourceChange(
        pb.ApplyResourceChange.Request(
            type_name=TYPE, prior_state=dv(prior), planned_state=dv(planned), config=dv(CONFIG)
        ),
        None,
    )
    assert not resp.diagnostics
    assert decoded(resp.new_state)["metadata"] == {"team": "a"}
    assert len(servicer.provider._client.bodies) == 1


def test_destroy_plan_and_apply(servicer: ProviderServicer) -> None:
    prior = created_state(servicer)
    resp = servicer.PlanResourceChange(
        pb.PlanResourceChange.Request(
            type_name=TYPE, prior_state=dv(prior), proposed_new_state=dv(None), config=dv(None)
        ),
        None,
    )
    assert not resp.diagnostics
    assert decoded(resp.planned_state) is None
    resp = servicer.ApplyResourceChange(
        pb.ApplyResourceChange.Request(
            type_name=TYPE, prior_state=dv(prior), planned_state=dv(None), config=dv(None)
        ),
        None,
    )
    assert not resp.diagnostics
    assert decoded(resp.new_state) is None


def test_failed_create_returns_no_state() -> None:
    class Failing(FakeClient):
        def create_chat_completion(self, body: dict[str, Any]) -> ChatCompletion:
            from terraform_provider_openai.errors import APIError

            raise APIError(status=400, message="bad", type="invalid_request_error", param="messages")

    provider = OpenAIProvider()
    provider._client = Failing()
    servicer = ProviderServicer(provider)
    resp = servicer.ApplyResourceChange(
        pb.ApplyResourceChange.Request(
            type_name=TYPE, prior_state=dv(None), planned_state=dv(CONFIG), config=dv(CONFIG)
        ),
        None,
    )
    assert decoded(resp.new_state) is None
    [diag] = resp.diagnostics
    assert diag.summary == "Create Chat Completion Error"
    assert "HTTP 400: bad" in diag.detail and "param: messages" in diag.detail


def test_unexpected_exception_becomes_a_diagnostic() -> None:
    class Broken(FakeClient):
        def create_chat_completion(self, body: dict[str, Any]) -> ChatCompletion:
            raise RuntimeError("boom")

    provider = OpenAIProvider()
    provider._client = Broken()
    resp = ProviderServicer(provider).ApplyResourceChange(
        pb.ApplyResourceChange.Request(
            type_name=TYPE, prior_state=dv(None), planned_state=dv(CONFIG), config=dv(CONFIG)
        ),
        None,
    )
    [diag] = resp.diagnostics
    assert diag.summary == "Unexpected Provider Error" and "boom" in diag.detail


def test_validate_reports_errors_and_skips_refined_unknowns(servicer: ProviderServicer) -> None:
    bad = {**CONFIG, "temperature": 3}
    resp = servicer.ValidateResourceConfig(
        pb.ValidateResourceConfig.Request(type_name=TYPE, config=dv(bad)), None
    )
    assert [d.summary for d in resp.diagnostics] == ["Invalid temperature"]
    # Terraform 1.6+ sends a refined unknown (ext type 12), e.g. for jsonencode() of an unknown
    refined = msgpack.ExtType(12, b"\x81\x01\xc3")
    raw = encode_state(SCHEMA, {**CONFIG, "temperature": None})
    raw["temperature"] = refined
    raw["functions"] = [{"name": "f", "description": None, "parameters": refined}]
    raw["function_call"] = "f"
    config = pb.DynamicValue(msgpack=msgpack.packb(raw))
    assert read_dynamic_value(config)["temperature"] is Unknown
    resp = servicer.ValidateResourceConfig(
        pb.ValidateResourceConfig.Request(type_name=TYPE, config=config), None
    )
    assert list(resp.diagnostics) == []


def test_the_same_request_written_another_way_plans_no_change(servicer: ProviderServicer) -> None:
    # as an import records it: the dated snapshot, the schema's keys in the API's order
    imported = '{"properties":{"q":{"type":"string"}},"type":"object"}'
    configured = '{"type": "object", "properties": {"q": {"type": "string"}}}'  # jsonencode sorts keys

    def tool(parameters: str) -> list[dict[str, Any]]:
        function = {"name": "f", "description": None, "parameters": parameters, "strict": None}
        return [{"type": "function", "function": function}]

    prior = {**created_state(servicer), "model": "gpt-4o-2024-08-06", "tools": tool(imported)}
    resp = plan(servicer, prior, {**CONFIG, "tools": tool(configured)})
    assert not resp.requires_replace
    planned = decoded(resp.planned_state)
    assert (
        planned["model"] == "gpt-4o-2024-08-06" and planned["tools"][0]["function"]["parameters"] == imported
    )
    assert planned == decoded(dv(prior))  # nothing changes: Terraform shows no diff

    # another schema is another request
    changed = tool(configured.replace('"string"', '"number"'))
    assert replaced(plan(servicer, prior, {**CONFIG, "tools": changed})) == {"tools"}


def test_a_state_of_schema_version_0_upgrades_unchanged(servicer: ProviderServicer) -> None:
    # raw JSON states as the provider at schema version 0 wrote them (tests/e2e/data/schema0.tfstate)
    path = Path(__file__).parents[1] / "e2e" / "data" / "schema0.tfstate"
    for resource in json.loads(path.read_text())["resources"]:
        [instance] = resource["instances"]
        raw = json.dumps(instance["attributes"])
        resp = servicer.UpgradeResourceState(
            pb.UpgradeResourceState.Request(
                type_name=TYPE, version=instance["schema_version"], raw_state=pb.RawState(json=raw.encode())
            ),
            None,
        )
        assert not resp.diagnostics, (resource["name"], resp.diagnostics)
        # every value as it was (numbers compared as the wire carries them: exact decimals)
        assert decoded(resp.upgraded_state) == decoded(dv(instance["attributes"])), resource["name"]
