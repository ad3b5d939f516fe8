"""``stream: true``: server-sent ``chat.completion.chunk`` events as the API sends them, driven through
the SDK's ``stream=True`` iteration and its ``chat.completions.stream(...)`` helper.

Every chunk the server sends in these tests is checked against the spec's
``CreateChatCompletionStreamResponse`` (the suite's autouse fixture validates the request log, where a
streamed answer is the list of its events).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest
from openai import AzureOpenAI, OpenAI
from tests.localserver.conftest import check_answers, check_stream, user
from tests.support.localserver import LocalServer

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "days": {"type": "integer", "minimum": 1}},
            "required": ["city", "days"],
            "additionalProperties": False,
        },
        "strict": True,
    },
}
LOOKUP = {
    "name": "lookup",
    "parameters": {"type": "object", "properties": {"term": {"type": "string"}}, "required": ["term"]},
}
DROP = {"x-localserver-fault": "drop"}


@pytest.fixture
def client(server: LocalServer) -> OpenAI:
    return OpenAI(base_url=server.base_url, api_key="sk-anything", max_retries=0)


def _stream(client: OpenAI, **kwargs: Any) -> list[Any]:
    kwargs.setdefault("model", "gpt-4o-mini")
    kwargs.setdefault("messages", [user("hello there")])
    return list(client.chat.completions.create(stream=True, **kwargs))


def _plain(client: OpenAI, **kwargs: Any) -> Any:
    """The same request without streaming: what the stream must add up to."""
    kwargs.setdefault("model", "gpt-4o-mini")
    kwargs.setdefault("messages", [user("hello there")])
    return client.chat.completions.create(**kwargs)


def _events(server: LocalServer) -> list[Any]:
    """The events of the last (streamed) answer, as the request log keeps them."""
    return list(server.requests()[-1]["response"])


def _content(chunks: list[Any], index: int = 0) -> str:
    return "".join(
        c.choices[0].delta.content or "" for c in chunks if c.choices and c.choices[0].index == index
    )


# --- plain text -------------------------------------------------------------------------------


def test_text_streams_role_first_then_words_then_finish_reason(client: OpenAI, server: LocalServer) -> None:
    chunks = _stream(client)
    deltas = [c.choices[0].delta for c in chunks]
    assert (deltas[0].role, deltas[0].content) == ("assistant", "")
    assert [d.content for d in deltas[1:-1]] == ["Local", " reply", " to:", " hello", " there"]
    assert all(d.role is None for d in deltas[1:])
    assert [c.choices[0].finish_reason for c in chunks] == [None] * (len(chunks) - 1) + ["stop"]
    assert deltas[-1].content is None and deltas[-1].tool_calls is None
    assert len({(c.id, c.created, c.model) for c in chunks}) == 1
    assert chunks[0].id.startswith("chatcmpl-") and chunks[0].object == "chat.completion.chunk"
    assert _content(chunks) == _plain(client).choices[0].message.content

    record = server.requests()[0]
    assert record["body"]["stream"] is True and record["status"] == 200
    assert record["headers"]["content-type"] == "application/json"
    events = record["response"]
    assert len(events) == len(chunks) + 1 and events[-1] == "[DONE]"
    assert all("usage" not in e for e in events[:-1])  # only with include_usage
    assert all(isinstance(e["obfuscation"], str) for e in events[:-1])


def test_the_answer_is_text_event_stream_framed_like_the_api(server: LocalServer) -> None:
    import httpx2

    body = {"model": "m", "messages": [user("hi")], "stream": True}
    with httpx2.stream("POST", f"{server.base_url}/chat/completions", json=body, timeout=10) as resp:
        raw = resp.read().decode()
        assert resp.status_code == 200
        assert resp.headers["content-type"].startswith("text/event-stream")
        assert resp.headers["x-request-id"].startswith("req_")
    blocks = raw.split("\n\n")
    assert blocks[-2:] == ["data: [DONE]", ""]
    assert all(b.startswith("data: {") and "\n" not in b for b in blocks[:-2])
    check_stream([json.loads(b[6:]) for b in blocks[:-2]] + ["[DONE]"])


def test_stream_helper_gives_the_final_completion_of_a_text_answer(client: OpenAI) -> None:
    with client.chat.completions.stream(model="m", messages=[user("hello there")]) as stream:
        events = list(stream)
        final = stream.get_final_completion()
    deltas = [e.delta for e in events if e.type == "content.delta"]
    assert deltas == ["", "Local", " reply", " to:", " hello", " there"]  # the role chunk's "" first
    assert events[-1].type == "content.done"
    assert final.choices[0].message.content == "Local reply to: hello there"
    assert final.choices[0].finish_reason == "stop"


def test_whitespace_of_the_text_survives_the_pieces(client: OpenAI) -> None:
    text = "  new\nline\t tab  "
    chunks = _stream(client, messages=[user(text)])
    assert _content(chunks) == "Local reply to: " + text


def test_stop_and_max_tokens_end_the_stream_like_the_plain_answer(client: OpenAI) -> None:
    for settings in ({"max_tokens": 4}, {"stop": ["there"]}):
        chunks = _stream(client, **settings)
        plain = _plain(client, **settings).choices[0]
        assert _content(chunks) == plain.message.content
        assert chunks[-1].choices[0].finish_reason == plain.finish_reason


def test_json_output_streams_the_json_text(client: OpenAI) -> None:
    with client.chat.completions.stream(
        model="m", messages=[user("hi")], response_format={"type": "json_object"}
    ) as stream:
        final = stream.get_final_completion()
    assert json.loads(final.choices[0].message.content or "") == {"reply": "Local reply to: hi"}


def test_logprobs_come_with_each_content_delta_when_asked(client: OpenAI) -> None:
    chunks = _stream(client, logprobs=True, top_logprobs=2)
    content = [c.choices[0] for c in chunks if c.choices[0].delta.content]
    assert all(c.logprobs is not None and len(c.logprobs.content or []) == 1 for c in content)
    streamed = [e for c in content for e in (c.logprobs.content or []) if c.logprobs]
    plain = _plain(client, logprobs=True, top_logprobs=2).choices[0].logprobs
    assert plain is not None and streamed == plain.content
    assert all(c.choices[0].logprobs is None for c in _stream(client))


def test_obfuscation_can_be_turned_off(client: OpenAI, server: LocalServer) -> None:
    _stream(client, stream_options={"include_obfuscation": False})
    assert all("obfuscation" not in e for e in _events(server)[:-1])


# --- tools and functions ----------------------------------------------------------------------


def test_tool_call_streams_id_type_and_name_once_then_argument_pieces(client: OpenAI) -> None:
    chunks = _stream(client, tools=[WEATHER], tool_choice="required")
    calls = [c.choices[0].delta.tool_calls for c in chunks]
    first = calls[0][0] if calls[0] else None
    assert first is not None and first.id and first.id.startswith("call_") and first.type == "function"
    assert first.function is not None and (first.function.name, first.function.arguments) == (
        "get_weather",
        "",
    )
    assert chunks[0].choices[0].delta.role == "assistant" and chunks[0].choices[0].delta.content is None
    pieces = calls[1:-1]
    assert len(pieces) > 3
    for piece in pieces:
        assert piece is not None and len(piece) == 1
        assert (piece[0].index, piece[0].id, piece[0].type) == (0, None, None)
        assert piece[0].function is not None and piece[0].function.name is None
    arguments = "".join(p[0].function.arguments or "" for p in pieces if p and p[0].function)
    plain = _plain(client, tools=[WEATHER], tool_choice="required").choices[0].message.tool_calls
    assert plain is not None and plain[0].type == "function"
    assert json.loads(arguments) == json.loads(plain[0].function.arguments)
    assert chunks[-1].choices[0].finish_reason == "tool_calls" and calls[-1] is None


def test_stream_helper_accumulates_tool_call_arguments_into_json(client: OpenAI) -> None:
    with client.chat.completions.stream(model="m", messages=[user("weather?")], tools=[WEATHER]) as stream:
        done = [e for e in stream if e.type == "tool_calls.function.arguments.done"]
        final = stream.get_final_completion()
    call = (final.choices[0].message.tool_calls or [])[0]
    assert call.function.name == "get_weather" and final.choices[0].finish_reason == "tool_calls"
    arguments = json.loads(call.function.arguments)
    assert set(arguments) == {"city", "days"} and arguments["days"] >= 1
    assert call.function.parsed_arguments == arguments  # strict tool: the helper parsed it
    assert len(done) == 1 and done[0].parsed_arguments == arguments


def test_legacy_function_call_streams_name_once_then_argument_pieces(client: OpenAI) -> None:
    chunks = _stream(client, functions=[LOOKUP])
    first = chunks[0].choices[0].delta.function_call
    assert first is not None and (first.name, first.arguments) == ("lookup", "")
    middle = [c.choices[0].delta.function_call for c in chunks[1:-1]]
    assert middle and all(f is not None and f.name is None for f in middle)
    arguments = "".join(f.arguments or "" for f in middle if f)
    assert json.loads(arguments) == {"term": "Local reply to: hello there"}
    assert chunks[-1].choices[0].finish_reason == "function_call"

    with client.chat.completions.stream(model="m", messages=[user("q")], functions=[LOOKUP]) as stream:
        final = stream.get_final_completion()
    call = final.choices[0].message.function_call
    assert call is not None and call.name == "lookup"
    assert json.loads(call.arguments) == {"term": "Local reply to: q"}


# --- n > 1 and usage --------------------------------------------------------------------------


def test_n_choices_are_interleaved_by_index_each_finishing_last(client: OpenAI) -> None:
    chunks = _stream(client, n=3)
    assert all(len(c.choices) == 1 for c in chunks)
    indexes = [c.choices[0].index for c in chunks]
    assert indexes[:6] == [0, 1, 2, 0, 1, 2]
    for i in range(3):
        own = [c.choices[0] for c in chunks if c.choices[0].index == i]
        assert own[0].delta.role == "assistant"
        assert [c.finish_reason for c in own] == [None] * (len(own) - 1) + ["stop"]
    plain = _plain(client, n=3)
    assert [_content(chunks, i) for i in range(3)] == [c.message.content for c in plain.choices]

    with client.chat.completions.stream(model="m", messages=[user("hello there")], n=3) as stream:
        final = stream.get_final_completion()
    assert [c.message.content for c in final.choices] == [c.message.content for c in plain.choices]


def test_n_tool_calls_keep_their_own_ids(client: OpenAI) -> None:
    with client.chat.completions.stream(model="m", messages=[user("w")], tools=[WEATHER], n=2) as stream:
        final = stream.get_final_completion()
    ids = [(c.message.tool_calls or [])[0].id for c in final.choices]
    assert len(set(ids)) == 2
    assert all(json.loads((c.message.tool_calls or [])[0].function.arguments) for c in final.choices)


def test_include_usage_adds_a_last_chunk_with_usage_and_no_choices(
    client: OpenAI, server: LocalServer
) -> None:
    chunks = _stream(client, n=2, stream_options={"include_usage": True})
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert chunks[-1].usage == _plain(client, n=2).usage
    events = server.requests()[0]["response"]
    assert events[-1] == "[DONE]" and events[-2]["choices"] == []
    assert all(e["usage"] is None for e in events[:-2])  # present, and null, on every other chunk

    with client.chat.completions.stream(
        model="m", messages=[user("hello there")], stream_options={"include_usage": True}
    ) as stream:
        final = stream.get_final_completion()
    assert final.usage is not None and final.usage.completion_tokens == 5


def test_a_large_n_streams_every_choice(client: OpenAI) -> None:
    chunks = _stream(client, n=128, max_tokens=2, stream_options={"include_usage": True})
    assert len(chunks) == 128 * 4 + 1  # role, 2 words, finish per choice; usage
    assert {_content(chunks, i) for i in range(128)} == {"Local reply"}
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 256


# --- Azure, store -----------------------------------------------------------------------------


def test_azure_deployment_route_streams(server: LocalServer) -> None:
    azure = AzureOpenAI(
        azure_endpoint=server.azure_endpoint,
        api_version="2024-10-21",
        api_key="azure-key",
        azure_deployment="my-deployment",
        max_retries=0,
    )
    chunks = list(azure.chat.completions.create(model="ignored", messages=[user("hi")], stream=True))
    assert _content(chunks) == "Local reply to: hi"
    with azure.chat.completions.stream(model="m", messages=[user("hi")], tools=[WEATHER]) as stream:
        final = stream.get_final_completion()
    assert json.loads((final.choices[0].message.tool_calls or [])[0].function.arguments)["days"] == 1
    paths = [r["path"] for r in server.requests()]
    assert paths == ["/openai/deployments/my-deployment/chat/completions"] * 2


def test_stored_stream_is_retrieved_as_the_assembled_message(client: OpenAI) -> None:
    chunks = _stream(client, store=True, metadata={"run": "s1"}, n=2)
    stored = client.chat.completions.retrieve(chunks[0].id)
    assert stored.id == chunks[0].id and stored.created == chunks[0].created
    assert [c.message.content for c in stored.choices] == [_content(chunks, 0), _content(chunks, 1)]
    assert [c.finish_reason for c in stored.choices] == ["stop", "stop"]
    assert stored.metadata == {"run": "s1"}
    assert [m.content for m in client.chat.completions.messages.list(stored.id).data] == ["hello there"]

    with client.chat.completions.stream(
        model="m", messages=[user("w")], tools=[WEATHER], store=True, stream_options={"include_usage": True}
    ) as stream:
        final = stream.get_final_completion()
    again = client.chat.completions.retrieve(final.id)
    assert again.usage == final.usage
    call, streamed = (
        (again.choices[0].message.tool_calls or [])[0],
        (final.choices[0].message.tool_calls or [])[0],
    )
    assert call.type == "function" and (call.id, call.function.arguments) == (
        streamed.id,
        streamed.function.arguments,
    )
    assert [c.id for c in client.chat.completions.list().data] == [stored.id, final.id]


def test_an_unstored_stream_is_not_kept(client: OpenAI) -> None:
    chunks = _stream(client)
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.retrieve(chunks[0].id)


# --- faults -----------------------------------------------------------------------------------


def test_drop_cuts_the_stream_after_some_chunks_and_the_sdk_raises(
    client: OpenAI, server: LocalServer
) -> None:
    received: list[Any] = []
    with pytest.raises(openai.APIConnectionError):
        for chunk in client.chat.completions.create(
            model="m", messages=[user("hello there")], stream=True, extra_headers=DROP
        ):
            received.append(chunk)
    whole = _stream(client)
    assert 1 <= len(received) < len(whole)
    assert received[0].choices[0].delta.role == "assistant"
    record = server.requests()[0]
    assert record["status"] == 200 and "[DONE]" not in record["response"]
    assert len(record["response"]) == len(received)

    server.inject_fault("drop")
    with (
        pytest.raises(openai.APIConnectionError),
        client.chat.completions.stream(model="m", messages=[user("w")], tools=[WEATHER]) as stream,
    ):
        for _ in stream:
            pass


def test_a_dropped_stored_stream_is_stored_whole(client: OpenAI, server: LocalServer) -> None:
    with pytest.raises(openai.APIConnectionError):
        for _ in client.chat.completions.create(
            model="m", messages=[user("one two three")], stream=True, store=True, extra_headers=DROP
        ):
            pass
    [stored] = client.chat.completions.list().data
    assert stored.choices[0].message.content == "Local reply to: one two three"
    assert stored.id == server.requests()[0]["response"][0]["id"]


def test_drop_on_an_invalid_stream_request_closes_without_an_answer(
    client: OpenAI, server: LocalServer
) -> None:
    with pytest.raises(openai.APIConnectionError):
        client.chat.completions.create(model="m", messages=[], stream=True, extra_headers=DROP)
    assert server.requests()[0]["status"] is None


def test_status_faults_answer_before_the_stream_starts(client: OpenAI, server: LocalServer) -> None:
    with pytest.raises(openai.InternalServerError):
        _stream(client, extra_headers={"x-localserver-fault": "500"})
    with pytest.raises(openai.InternalServerError):
        _stream(client, store=True, extra_headers={"x-localserver-fault": "500-after-store"})
    assert len(client.chat.completions.list().data) == 1  # the work was done and stored
    retried = OpenAI(base_url=server.base_url, api_key="k", max_retries=1)
    server.inject_fault("429")
    assert _content(_stream(retried)) == "Local reply to: hello there"


def test_validation_errors_are_answered_before_the_stream(client: OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as err:
        _stream(client, temperature=5)
    assert err.value.param == "temperature"


# --- the connection and the process -----------------------------------------------------------


def _raw_stream(port: int, body: dict[str, Any]) -> Iterator[bytes]:
    """Send a streamed create on a bare socket; yield what arrives (the caller closes when it likes)."""
    payload = json.dumps(body).encode()
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        sock.sendall(
            b"POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
            + f"content-length: {len(payload)}\r\n\r\n".encode()
            + payload
        )
        while True:
            try:
                data = sock.recv(65536)
            except ConnectionResetError:  # a cut connection may end with a reset
                return
            if not data:
                return
            yield data
    finally:
        sock.close()


def _started_stream(port: int, words: str) -> tuple[Iterator[bytes], bytes]:
    """A stored streamed create of ``words`` on a bare socket, read up to its first chunk."""
    body = {"model": "m", "messages": [user(words)], "stream": True, "store": True}
    received = _raw_stream(port, body)
    first = next(received)
    while b"data: {" not in first:
        first += next(received)
    return received, first


def test_a_client_that_leaves_mid_stream_ends_it_and_the_completion_is_stored() -> None:
    with LocalServer.start("--latency-ms", "20000") as server:
        words = " ".join(["word"] * 100)  # the first of 105 chunks comes after 0.2 s
        received, _ = _started_stream(server.port, words)
        received.close()  # the client goes away after the first chunk
        start = time.monotonic()
        while not (stored := OpenAI(base_url=server.base_url, api_key="k").chat.completions.list().data):
            assert time.monotonic() - start < 5, "the stream went on after the client left"
            time.sleep(0.05)
        assert stored[0].choices[0].message.content == "Local reply to: " + words
        record = server.requests()[0]
        assert record["status"] == 200 and 1 <= len(record["response"]) < 105
        check_answers(server)
        # the server answered the calls above, stops cleanly and logged nothing
        assert server.stop() == 0
    assert "Traceback" not in server.stderr() and "ERROR" not in server.stderr()


def test_latency_is_spread_over_the_chunks_first_chunk_early() -> None:
    with LocalServer.start("--latency-ms", "1200") as server:
        client = OpenAI(base_url=server.base_url, api_key="k", max_retries=0)
        start = time.monotonic()
        arrivals = [
            time.monotonic() - start
            for _ in client.chat.completions.create(model="m", messages=[user("a b c d")], stream=True)
        ]
        # 9 chunks (role, 7 words, finish): chunk k is sent 133 ms x k after the request came in
        assert len(arrivals) == 9
        assert all(at >= 0.133 * k for k, at in enumerate(arrivals, 1))
        assert arrivals[-1] >= 1.2
        assert arrivals[-1] - arrivals[0] >= 0.4  # the first came early (nominally 1.07 s before the last)
        check_answers(server)


def test_sigterm_mid_stream_stops_the_server_and_keeps_the_completion(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    server = LocalServer.start("--latency-ms", "60000", db=db)
    try:
        words = " ".join(["word"] * 200)  # the first of 205 chunks comes after 0.3 s
        received, first = _started_stream(server.port, words)
        start = time.monotonic()
        os.kill(server.process.pid, signal.SIGTERM)
        assert server.process.wait(10) == 0
        assert time.monotonic() - start < 5
        rest = b"".join(received)  # the connection closes, the stream unfinished
        assert b"[DONE]" not in first + rest
        server.restart()
        [stored] = OpenAI(base_url=server.base_url, api_key="k").chat.completions.list().data
        assert stored.choices[0].message.content == "Local reply to: " + words
    finally:
        server.stop()
    assert "Traceback" not in server.stderr() and "ERROR" not in server.stderr()


def test_the_request_log_masks_the_key_in_a_streamed_answer(server: LocalServer) -> None:
    key = "sk-streamed-secret-1234"
    client = OpenAI(base_url=server.base_url, api_key=key, max_retries=0)
    chunks = list(client.chat.completions.create(model="m", messages=[user(f"my key {key}")], stream=True))
    assert key in _content(chunks)  # served as it is: the client sent it
    assert "***" in _events(server)[-3]["choices"][0]["delta"]["content"]
    with client.chat.completions.stream(model="m", messages=[user(f"key {key}")], tools=[WEATHER]) as stream:
        final = stream.get_final_completion()
    assert key in (final.choices[0].message.tool_calls or [])[0].function.arguments
    logged = json.dumps(server.requests())
    assert key not in logged and logged.count("***") >= 4  # headers and answers
