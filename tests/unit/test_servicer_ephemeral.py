"""The tfplugin6.8 calls of the servicer: metadata and schemas, the ephemeral resource's validate,
open, renew and close, and the calls this provider has nothing for (functions, state moves)."""

from __future__ import annotations

from typing import Any

import pytest
from openai.types.chat import ChatCompletion

from terraform_provider_openai import masking
from terraform_provider_openai.ephemeral_resources.chat_completion import ChatCompletionEphemeralResource
from terraform_provider_openai.errors import APIError
from terraform_provider_openai.fields import FIELDS
from terraform_provider_openai.framework import stop
from terraform_provider_openai.framework.gen import tfplugin6_8_pb2 as pb
from terraform_provider_openai.framework.schema import encode_state
from terraform_provider_openai.framework.servicer import (
    ProviderServicer,
    read_dynamic_value,
    to_dynamic_value,
)
from terraform_provider_openai.framework.stop import StopController
from terraform_provider_openai.framework.types import Unknown
from terraform_provider_openai.provider import OpenAIProvider
from terraform_provider_openai.resources.chat_completion import ChatCompletionResource

TYPE = "openai_chat_completion"
SCHEMA = ChatCompletionEphemeralResource.get_schema()
CONFIG = {"model": "gpt-4o", "messages": [{"role": "user", "content": "a secret prompt"}], "temperature": 0.7}
ANSWER = ChatCompletion.construct(
    id="chatcmpl-e1",
    object="chat.completion",
    created=1700000000,
    model="gpt-4o-2024-08-06",
    choices=[{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "hello"}}],
    usage={"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
)


class FakeClient:
    def __init__(self, error: Exception | None = None) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.error = error

    def ensure_ready(self) -> None:
        pass

    def create_chat_completion(self, body: dict[str, Any]) -> ChatCompletion:
        self.bodies.append(body)
        if self.error is not None:
            raise self.error
        return ANSWER


def servicer_with(client: FakeClient | None) -> ProviderServicer:
    provider = OpenAIProvider()
    provider._client = client
    return ProviderServicer(provider)


@pytest.fixture
def client() -> FakeClient:
    return FakeClient()


@pytest.fixture
def servicer(client: FakeClient) -> ProviderServicer:
    return servicer_with(client)


def dv(values: dict[str, Any] | None) -> pb.DynamicValue:
    return to_dynamic_value(encode_state(SCHEMA, values))


def validate(servicer: ProviderServicer, config: dict[str, Any]) -> list[pb.Diagnostic]:
    response = servicer.ValidateEphemeralResourceConfig(
        pb.ValidateEphemeralResourceConfig.Request(type_name=TYPE, config=dv(config)), None
    )
    return list(response.diagnostics)


def open_(servicer: ProviderServicer, config: dict[str, Any]) -> pb.OpenEphemeralResource.Response:
    return servicer.OpenEphemeralResource(
        pb.OpenEphemeralResource.Request(type_name=TYPE, config=dv(config)), None
    )


def errors(diagnostics: Any) -> list[tuple[str, str, list[str]]]:
    return [
        (d.summary, d.detail, [s.attribute_name for s in d.attribute.steps])
        for d in diagnostics
        if d.severity == pb.Diagnostic.ERROR
    ]


# ---- metadata and schema ------------------------------------------------------------------------


def test_get_metadata_lists_every_type_and_the_ephemeral_resource(servicer: ProviderServicer) -> None:
    response = servicer.GetMetadata(pb.GetMetadata.Request(), None)
    assert [e.type_name for e in response.ephemeral_resources] == [TYPE]
    assert [r.type_name for r in response.resources] == [TYPE]
    assert {d.type_name for d in response.data_sources} == {
        "openai_chat_completion",
        "openai_chat_completions",
        "openai_chat_completion_messages",
    }
    capabilities = response.server_capabilities
    assert capabilities.plan_destroy and capabilities.get_provider_schema_optional
    assert not capabilities.move_resource_state  # no resource accepts moved state
    assert not response.functions and not response.diagnostics


def test_the_ephemeral_schema_shares_the_resources_request_attributes(servicer: ProviderServicer) -> None:
    response = servicer.GetProviderSchema(pb.GetProviderSchema.Request(), None)
    assert not response.diagnostics
    assert set(response.ephemeral_resource_schemas) == {TYPE}
    ephemeral = {a.name: a for a in response.ephemeral_resource_schemas[TYPE].block.attributes}
    resource = {a.name: a for a in response.resource_schemas[TYPE].block.attributes}
    # every request attribute is the resource's, byte for byte, but the two refused ones
    for field in FIELDS:
        if field.name in ("store", "metadata"):
            assert (
                ephemeral[field.name].optional and "Not supported here" in ephemeral[field.name].description
            )
        else:
            assert ephemeral[field.name] == resource[field.name], field.name
    outputs = {name for name, a in ephemeral.items() if a.computed}
    assert outputs == {name for name, a in resource.items() if a.computed}
    assert {"content", "message", "choices", "finish_reason", "usage", "id", "response_model"} <= outputs
    assert "keepers" not in ephemeral  # nothing to replace: every open is a new completion


# ---- validate --------------------------------------------------------------------------------


def test_store_true_and_metadata_are_refused_naming_the_attribute(servicer: ProviderServicer) -> None:
    found = errors(validate(servicer, {**CONFIG, "store": True, "metadata": {"team": "a"}}))
    assert [(summary, path) for summary, _, path in found] == [
        ("Invalid store", ["store"]),
        ("Invalid metadata", ["metadata"]),
    ]
    assert "never written to state" in found[0][1]


def test_store_false_or_unknown_passes_validation(servicer: ProviderServicer) -> None:
    assert validate(servicer, {**CONFIG, "store": False}) == []
    assert validate(servicer, {**CONFIG, "store": Unknown, "metadata": Unknown}) == []


def test_validation_is_the_resources(servicer: ProviderServicer) -> None:
    config = {**CONFIG, "temperature": 3, "tool_choice": "lookup"}
    ephemeral = validate(servicer, config)
    resource_schema = ChatCompletionResource.get_schema()
    resource = servicer.ValidateResourceConfig(
        pb.ValidateResourceConfig.Request(
            type_name=TYPE, config=to_dynamic_value(encode_state(resource_schema, config))
        ),
        None,
    ).diagnostics
    assert len(ephemeral) == 2
    assert [d.SerializeToString() for d in ephemeral] == [d.SerializeToString() for d in resource]


# ---- open, renew, close ---------------------------------------------------------------------


def test_open_sends_the_resources_request_and_returns_config_and_outputs(
    servicer: ProviderServicer, client: FakeClient
) -> None:
    response = open_(servicer, CONFIG)
    assert not response.diagnostics
    assert client.bodies == [CONFIG]  # the same body as the resource's create without `store`
    result = read_dynamic_value(response.result)
    assert set(result) == {a.name for a in SCHEMA.attributes}
    assert result["messages"] == [
        {"role": "user", "content": "a secret prompt", "name": None, "function_call": None}
        | {"tool_calls": None, "tool_call_id": None}
    ]
    assert (result["content"], result["id"], result["response_model"]) == (
        "hello",
        "chatcmpl-e1",
        "gpt-4o-2024-08-06",
    )
    assert result["usage"] == {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}
    assert result["message"]["content"] == "hello" and result["finish_reason"] == "stop"
    assert not response.HasField("private") and not response.HasField("renew_at")


def test_open_reports_the_apis_words_under_open_chat_completion_error() -> None:
    masking.register("sk-live-secret-123")
    failing = FakeClient(APIError(400, "Invalid model for key sk-live-secret-123", param="model"))
    response = open_(servicer_with(failing), CONFIG)
    [(summary, detail, _)] = errors(response.diagnostics)
    assert summary == "Open Chat Completion Error"
    assert "The API answered HTTP 400: Invalid model" in detail and "param: model" in detail
    assert "sk-live-secret-123" not in detail  # masked, as every diagnostic
    assert read_dynamic_value(response.result) is None


def test_open_refuses_a_store_that_was_unknown_at_validate(
    servicer: ProviderServicer, client: FakeClient
) -> None:
    response = open_(servicer, {**CONFIG, "store": True})
    assert [s for s, _, _ in errors(response.diagnostics)] == ["Invalid store"]
    assert client.bodies == []


def test_open_without_a_configured_provider_is_an_error() -> None:
    response = open_(servicer_with(None), CONFIG)
    assert [s for s, _, _ in errors(response.diagnostics)] == ["Open Chat Completion Error"]


def test_open_sends_nothing_once_terraform_asked_to_stop(
    servicer: ProviderServicer, client: FakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    controller = StopController(grace=1.0)
    controller.request_stop()
    monkeypatch.setattr(stop, "_CONTROLLER", controller)
    [(summary, detail, _)] = errors(open_(servicer, CONFIG).diagnostics)
    assert summary == "Open Chat Completion Error" and "nothing was sent" in detail
    assert client.bodies == []


def test_renew_and_close_have_nothing_to_do(servicer: ProviderServicer, client: FakeClient) -> None:
    renewed = servicer.RenewEphemeralResource(pb.RenewEphemeralResource.Request(type_name=TYPE), None)
    assert not renewed.diagnostics and not renewed.HasField("private") and not renewed.HasField("renew_at")
    closed = servicer.CloseEphemeralResource(pb.CloseEphemeralResource.Request(type_name=TYPE), None)
    assert not closed.diagnostics
    assert client.bodies == []


def test_an_unknown_ephemeral_type_is_an_unexpected_error_not_a_crash(servicer: ProviderServicer) -> None:
    response = servicer.OpenEphemeralResource(
        pb.OpenEphemeralResource.Request(type_name="openai_other", config=dv(CONFIG)), None
    )
    assert [s for s, _, _ in errors(response.diagnostics)] == ["Unexpected Provider Error"]


# ---- calls without anything behind them ---------------------------------------------------------


def test_no_functions_and_no_state_moves(servicer: ProviderServicer) -> None:
    functions = servicer.GetFunctions(pb.GetFunctions.Request(), None)
    assert not functions.functions and not functions.diagnostics
    called = servicer.CallFunction(pb.CallFunction.Request(name="count_tokens"), None)
    assert "count_tokens" in called.error.text and not called.HasField("result")
    moved = servicer.MoveResourceState(
        pb.MoveResourceState.Request(source_type_name="x_thing", target_type_name=TYPE), None
    )
    assert [s for s, _, _ in errors(moved.diagnostics)] == ["Unable to Move Resource State"]
