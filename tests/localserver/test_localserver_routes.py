"""Every Chat Completions route, driven with the official SDK (OpenAI and AzureOpenAI clients)."""

from __future__ import annotations

import re
from typing import Any

import openai
import pytest
from openai import AzureOpenAI, OpenAI
from tests.localserver.conftest import raw_request, user
from tests.support.localserver import LocalServer


@pytest.fixture
def client(server: LocalServer) -> OpenAI:
    return OpenAI(base_url=server.base_url, api_key="sk-anything", max_retries=0)


def _store(client: OpenAI, text: str, model: str = "gpt-4o-mini", **kwargs: Any) -> str:
    return client.chat.completions.create(model=model, messages=[user(text)], store=True, **kwargs).id


def test_create_answers_a_chat_completion_with_the_documented_fields(client: OpenAI) -> None:
    raw = client.chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=[user("Hello, world")]
    )
    completion = raw.parse()
    assert re.fullmatch(r"chatcmpl-[A-Za-z0-9]{24,}", completion.id)
    assert completion.object == "chat.completion"
    assert isinstance(completion.created, int) and completion.created > 1_600_000_000
    assert completion.model == "gpt-4o-mini"
    assert completion.system_fingerprint == "fp_local01"
    assert completion.service_tier == "default"
    assert completion.choices[0].message.role == "assistant"
    assert completion.choices[0].message.content == "Local reply to: Hello, world"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (2, 5)
    assert completion.usage.total_tokens == 7
    assert raw.headers["x-request-id"].startswith("req_")
    assert completion._request_id == raw.headers["x-request-id"]


def test_completions_get_unique_ids(client: OpenAI) -> None:
    ids = {client.chat.completions.create(model="m", messages=[user("same")]).id for _ in range(5)}
    assert len(ids) == 5


def test_unstored_completion_cannot_be_retrieved(client: OpenAI) -> None:
    completion = client.chat.completions.create(model="m", messages=[user("not kept")])
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.retrieve(completion.id)


def test_unknown_id_is_404_with_the_official_error_body(client: OpenAI, server: LocalServer) -> None:
    for call in (
        lambda: client.chat.completions.retrieve("chatcmpl-missing"),
        lambda: client.chat.completions.update("chatcmpl-missing", metadata={"a": "b"}),
        lambda: client.chat.completions.delete("chatcmpl-missing"),
        lambda: client.chat.completions.messages.list("chatcmpl-missing"),
    ):
        with pytest.raises(openai.NotFoundError) as err:
            call()
        assert err.value.status_code == 404
        assert err.value.code == "not_found"
        assert err.value.type == "invalid_request_error"
        assert "chatcmpl-missing" in err.value.message
    assert [r["status"] for r in server.requests()] == [404] * 4


def test_stored_completion_carries_metadata_and_the_request_settings(client: OpenAI) -> None:
    tools = [
        {
            "type": "function",
            "function": {"name": "lookup", "parameters": {"type": "object", "properties": {}}},
        }
    ]
    created = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "system", "content": "Be brief."}, user("Hi")],
        store=True,
        metadata={"team": "a", "env": "test"},
        temperature=0.2,
        top_p=0.9,
        frequency_penalty=0.1,
        presence_penalty=-0.1,
        seed=7,
        n=2,
        max_completion_tokens=50,
        stop=["END"],
        user="u-1",
        tools=tools,
        tool_choice="none",
        parallel_tool_calls=False,
        response_format={"type": "text"},
        logprobs=True,
        top_logprobs=2,
        logit_bias={"50256": -100},
        reasoning_effort="low",
        service_tier="auto",
    )
    got = client.chat.completions.with_raw_response.retrieve(created.id).http_response.json()
    expected = {
        "metadata": {"team": "a", "env": "test"},
        "temperature": 0.2,
        "top_p": 0.9,
        "frequency_penalty": 0.1,
        "presence_penalty": -0.1,
        "seed": 7,
        "n": 2,
        "max_completion_tokens": 50,
        "stop": ["END"],
        "user": "u-1",
        "tools": tools,
        "tool_choice": "none",
        "parallel_tool_calls": False,
        "response_format": {"type": "text"},
        "logprobs": True,
        "top_logprobs": 2,
        "logit_bias": {"50256": -100},
        "reasoning_effort": "low",
        "service_tier": "auto",
        "store": True,
    }
    assert {k: got.get(k) for k in expected} == expected
    for absent in ("max_tokens", "functions", "function_call"):
        assert absent not in got
    assert got["choices"] == created.model_dump(mode="json", exclude_unset=True)["choices"]


def test_stored_completion_without_metadata_reads_back_empty_metadata(client: OpenAI) -> None:
    completion_id = _store(client, "plain")
    assert client.chat.completions.retrieve(completion_id).metadata == {}


def test_update_replaces_only_the_metadata(client: OpenAI) -> None:
    completion_id = _store(client, "update me", metadata={"a": "1"}, temperature=1.5)
    updated = client.chat.completions.update(completion_id, metadata={"b": "2"})
    assert updated.metadata == {"b": "2"}
    again = client.chat.completions.retrieve(completion_id)
    assert again.metadata == {"b": "2"}
    assert again.choices[0].message.content == "Local reply to: update me"
    assert again.model_extra is not None and again.model_extra["temperature"] == 1.5


def test_update_accepts_only_metadata(server: LocalServer, client: OpenAI) -> None:
    completion_id = _store(client, "x")
    status, body, _ = raw_request(
        f"{server.base_url}/chat/completions/{completion_id}", {"metadata": {}, "model": "m"}
    )
    assert (status, body["error"]["param"]) == (400, "model")
    status, body, _ = raw_request(f"{server.base_url}/chat/completions/{completion_id}", {})
    assert (status, body["error"]["param"]) == (400, "metadata")


def test_delete_removes_a_stored_completion(client: OpenAI) -> None:
    completion_id = _store(client, "bye")
    deleted = client.chat.completions.delete(completion_id)
    assert (deleted.object, deleted.id, deleted.deleted) == ("chat.completion.deleted", completion_id, True)
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.retrieve(completion_id)
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.delete(completion_id)


def test_messages_route_returns_the_input_messages_with_ids(client: OpenAI) -> None:
    messages: list[Any] = [
        {"role": "developer", "content": "dev"},
        {"role": "system", "content": [{"type": "text", "text": "sys"}]},
        {"role": "user", "content": "question", "name": "alice"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
            ],
        },
        {"role": "tool", "content": "42", "tool_call_id": "call_1"},
    ]
    completion = client.chat.completions.create(model="m", messages=messages, store=True)
    page = client.chat.completions.messages.list(completion.id)
    data = page.data
    assert [m.id for m in data] == [f"{completion.id}-{i}" for i in range(5)]
    assert [m.role for m in data] == ["developer", "system", "user", "assistant", "tool"]  # type: ignore[comparison-overlap]
    assert data[1].content == "sys"
    assert data[1].content_parts is not None and data[1].content_parts[0].text == "sys"  # type: ignore[union-attr]
    assert data[0].content_parts is None
    assert data[2].name == "alice"  # type: ignore[attr-defined]
    assert data[3].tool_calls is not None and data[3].tool_calls[0].id == "call_1"
    assert (page.first_id, page.last_id, page.has_more) == (data[0].id, data[-1].id, False)  # type: ignore[attr-defined]


def test_messages_route_paginates_in_both_orders(client: OpenAI) -> None:
    completion = client.chat.completions.create(
        model="m", messages=[user(f"m{i}") for i in range(5)], store=True
    )
    first = client.chat.completions.messages.list(completion.id, limit=2)
    assert [m.content for m in first.data] == ["m0", "m1"] and first.has_more
    second = client.chat.completions.messages.list(completion.id, limit=2, after=first.data[-1].id)
    assert [m.content for m in second.data] == ["m2", "m3"] and second.has_more
    third = client.chat.completions.messages.list(completion.id, limit=2, after=second.data[-1].id)
    assert [m.content for m in third.data] == ["m4"] and not third.has_more
    desc = client.chat.completions.messages.list(completion.id, limit=3, order="desc")
    assert [m.content for m in desc.data] == ["m4", "m3", "m2"]
    assert [m.content for m in client.chat.completions.messages.list(completion.id, limit=2)] == [
        f"m{i}" for i in range(5)
    ]


def test_list_paginates_seven_stored_completions_in_pages_of_three(
    client: OpenAI, server: LocalServer
) -> None:
    ids = [_store(client, f"n{i}") for i in range(7)]
    client.chat.completions.create(model="gpt-4o-mini", messages=[user("not stored")])
    for order, expected in (("asc", ids), ("desc", ids[::-1])):
        seen: list[str] = []
        after = None
        pages = 0
        while True:
            page = client.chat.completions.list(limit=3, order=order, **({"after": after} if after else {}))
            pages += 1
            seen += [c.id for c in page.data]
            assert page.first_id == page.data[0].id and page.last_id == page.data[-1].id  # type: ignore[attr-defined]
            if not page.has_more:
                break
            after = page.data[-1].id
        assert (seen, pages) == (expected, 3), order
    server.clear_requests()
    assert [c.id for c in client.chat.completions.list(limit=3)] == ids
    assert [r["query"] for r in server.requests()] == [
        "limit=3",
        f"limit=3&after={ids[2]}",
        f"limit=3&after={ids[5]}",
    ]


def test_list_defaults_to_twenty_ascending(client: OpenAI) -> None:
    ids = [_store(client, f"d{i}") for i in range(21)]
    page = client.chat.completions.list()
    assert [c.id for c in page.data] == ids[:20] and page.has_more


def test_list_filters_by_model_and_every_metadata_pair(client: OpenAI) -> None:
    a = _store(client, "a", model="model-a", metadata={"team": "x", "env": "prod"})
    b = _store(client, "b", model="model-a", metadata={"team": "x", "env": "dev"})
    c = _store(client, "c", model="model-b", metadata={"team": "x", "env": "prod"})
    assert [x.id for x in client.chat.completions.list(model="model-a").data] == [a, b]
    assert [x.id for x in client.chat.completions.list(metadata={"team": "x"}).data] == [a, b, c]
    assert [x.id for x in client.chat.completions.list(metadata={"team": "x", "env": "prod"}).data] == [a, c]
    assert [x.id for x in client.chat.completions.list(model="model-a", metadata={"env": "prod"}).data] == [a]
    empty = client.chat.completions.list(metadata={"team": "nobody"})
    assert (empty.data, empty.has_more) == ([], False)


def test_list_rejects_bad_paging_parameters(server: LocalServer) -> None:
    for query, param in (
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=x", "limit"),
        ("order=up", "order"),
    ):
        status, body, _ = raw_request(f"{server.base_url}/chat/completions?{query}")
        assert (status, body["error"]["param"]) == (400, param), query
    status, body, _ = raw_request(f"{server.base_url}/chat/completions?after=chatcmpl-gone")
    assert (status, body["error"]["param"], body["error"]["code"]) == (404, "after", "not_found")


def test_unknown_route_and_wrong_method_answer_official_errors(server: LocalServer) -> None:
    status, body, _ = raw_request(f"{server.base_url}/models")
    assert status == 404 and body["error"]["type"] == "invalid_request_error"
    status, body, _ = raw_request(f"{server.base_url}/chat/completions", method="DELETE")
    assert status == 405 and "DELETE" in body["error"]["message"]


def test_malformed_json_is_rejected(server: LocalServer) -> None:
    status, body, _ = raw_request(f"{server.base_url}/chat/completions", data=b"{not json")
    assert (status, body["error"]["code"]) == (400, "invalid_json")


# --- Azure OpenAI ---------------------------------------------------------------------------------


def test_azure_client_drives_every_route(server: LocalServer) -> None:
    azure = AzureOpenAI(
        azure_endpoint=server.azure_endpoint, api_version="2024-10-21", api_key="azure-key", max_retries=0
    )
    created = azure.chat.completions.create(
        model="my-deployment", messages=[user("from azure")], store=True, metadata={"k": "v"}
    )
    assert created.model == "my-deployment"
    assert created.choices[0].message.content == "Local reply to: from azure"
    assert azure.chat.completions.retrieve(created.id).metadata == {"k": "v"}
    assert azure.chat.completions.update(created.id, metadata={"k": "w"}).metadata == {"k": "w"}
    assert [m.content for m in azure.chat.completions.messages.list(created.id).data] == ["from azure"]
    assert [c.id for c in azure.chat.completions.list(metadata={"k": "w"}).data] == [created.id]
    assert azure.chat.completions.delete(created.id).deleted

    with_deployment = AzureOpenAI(
        azure_endpoint=server.azure_endpoint,
        azure_deployment="dep-1",
        api_version="2024-10-21",
        api_key="azure-key",
        max_retries=0,
    )
    second = with_deployment.chat.completions.create(model="gpt-4o", messages=[user("two")], store=True)
    assert [c.id for c in with_deployment.chat.completions.list().data] == [second.id]
    assert with_deployment.chat.completions.retrieve(second.id).id == second.id

    paths = [(r["method"], r["path"]) for r in server.requests()]
    assert paths == [
        ("POST", "/openai/deployments/my-deployment/chat/completions"),
        ("GET", f"/openai/chat/completions/{created.id}"),
        ("POST", f"/openai/chat/completions/{created.id}"),
        ("GET", f"/openai/chat/completions/{created.id}/messages"),
        ("GET", "/openai/chat/completions"),
        ("DELETE", f"/openai/chat/completions/{created.id}"),
        ("POST", "/openai/deployments/dep-1/chat/completions"),
        ("GET", "/openai/deployments/dep-1/chat/completions"),
        ("GET", f"/openai/chat/completions/{second.id}"),
    ]
    assert all("api-version=2024-10-21" in r["query"] for r in server.requests())
    assert all(r["headers"]["api-key"] == "***" for r in server.requests())


def test_azure_deployment_is_the_model_when_the_body_has_none(server: LocalServer) -> None:
    url = f"{server.azure_endpoint}/openai/deployments/dep-x/chat/completions?api-version=2024-10-21"
    status, body, _ = raw_request(url, {"messages": [user("no model")]}, headers={"api-key": "k"})
    assert (status, body["model"]) == (200, "dep-x")


def test_azure_routes_require_api_version_and_a_key(server: LocalServer) -> None:
    url = f"{server.azure_endpoint}/openai/deployments/d/chat/completions"
    status, body, _ = raw_request(url, {"messages": [user("x")]}, headers={"api-key": "k"})
    assert (status, body["error"]["param"]) == (400, "api-version")
    status, body, _ = raw_request(url + "?api-version=2024-10-21", {"messages": [user("x")]})
    assert (status, body["error"]["code"]) == (401, "invalid_api_key")
    status, _, _ = raw_request(
        url + "?api-version=2024-10-21",
        {"messages": [user("x")]},
        headers={"authorization": "Bearer entra-token"},
    )
    assert status == 200


def test_requests_are_recorded_in_order_with_keys_redacted(server: LocalServer, client: OpenAI) -> None:
    import hashlib

    client.chat.completions.create(model="m", messages=[user("record me")])
    raw_request(f"{server.base_url}/chat/completions", {"model": "m"})
    first, second = server.requests()
    assert (first["method"], first["path"], first["status"]) == ("POST", "/v1/chat/completions", 200)
    assert first["headers"]["authorization"] == "***"
    assert first["auth_sha256"] == hashlib.sha256(b"sk-anything").hexdigest()
    assert first["body"]["messages"] == [user("record me")]
    assert first["response"]["choices"][0]["message"]["content"] == "Local reply to: record me"
    assert (second["status"], second["auth_sha256"], second["body"]) == (400, None, {"model": "m"})
    server.clear_requests()
    assert server.requests() == []
