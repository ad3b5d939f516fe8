"""The three data sources over stored completions: `openai_chat_completion` (one, by ID),
`openai_chat_completions` (filtered list, paginated) and `openai_chat_completion_messages`."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from openai import OpenAI

from tests.support.terraform import provider_block, required_providers


def flat(text: str) -> str:
    return " ".join(text.split())


def header(local) -> str:
    return required_providers() + provider_block(local.base_url)


def list_calls(local, path: str = "/v1/chat/completions") -> list[dict[str, list[str]]]:
    return [parse_qs(r["query"]) for r in local.requests() if r["method"] == "GET" and r["path"] == path]


def data(state: dict[str, Any], address: str) -> dict[str, Any]:
    for res in state["values"]["root_module"]["resources"]:
        if res["address"] == address:
            return res["values"]
    raise KeyError(address)


def test_chat_completion_data_source_reads_back_the_resource(ws, local):
    ws.write(
        header(local)
        + """
resource "openai_chat_completion" "x" {
  model       = "gpt-4o"
  store       = true
  metadata    = { team = "a" }
  temperature = 0.5
  seed        = 7
  stop        = ["END"]
  messages    = [{ role = "user", content = "Read me back" }]
}
data "openai_chat_completion" "r" {
  completion_id = openai_chat_completion.x.id
}
output "content" { value = data.openai_chat_completion.r.choices[0].message[0].content }
"""
    )
    ws.init()
    ws.apply()
    assert ws.outputs()["content"] == "Local reply to: Read me back"
    state = ws.state()
    resource, read = data(state, "openai_chat_completion.x"), data(state, "data.openai_chat_completion.r")
    # every output has the resource's name and value
    for name in (
        "id",
        "created",
        "response_model",
        "content",
        "finish_reason",
        "message",
        "usage",
        "choices",
        "system_fingerprint",
    ):
        assert read[name] == resource[name], name
    assert read["response_model"] == "gpt-4o"
    assert "model" not in read
    assert read["metadata"] == {"team": "a"}
    assert read["store"] is True
    assert (read["temperature"], read["seed"], read["stop"]) == (0.5, 7, ["END"])
    assert read["usage"]["total_tokens"] > 0


def test_chat_completion_data_source_unknown_id_is_an_error_naming_it(ws, local):
    ws.write(header(local) + 'data "openai_chat_completion" "r" {\n  completion_id = "chatcmpl-missing"\n}\n')
    ws.init()
    code, result = ws.plan_exit_code()
    assert code == 1
    shown = flat(result.output)
    assert "Error: Chat Completion Not Found" in shown
    assert "No stored chat completion with ID 'chatcmpl-missing'" in shown
    assert "HTTP 404" in shown


LIST_CONFIG = """
resource "openai_chat_completion" "batch" {
  count    = 7
  model    = count.index < 5 ? "gpt-4o" : "gpt-4o-mini"
  store    = true
  metadata = { batch = "b", parity = count.index % 2 == 0 ? "even" : "odd" }
  messages = [{ role = "user", content = "item ${count.index}" }]
}
resource "openai_chat_completion" "unstored" {
  model    = "gpt-4o"
  messages = [{ role = "user", content = "not stored" }]
}

data "openai_chat_completions" "all" {
  limit      = 7
  page_size  = 3
  depends_on = [openai_chat_completion.batch]
}
data "openai_chat_completions" "even" {
  metadata   = { batch = "b", parity = "even" }
  depends_on = [openai_chat_completion.batch]
}
data "openai_chat_completions" "mini" {
  model      = "gpt-4o-mini"
  depends_on = [openai_chat_completion.batch]
}
data "openai_chat_completions" "newest" {
  order      = "desc"
  limit      = 2
  depends_on = [openai_chat_completion.batch]
}
data "openai_chat_completions" "after" {
  after = data.openai_chat_completions.all.chat_completions[2].id
}

output "batch_ids" { value = openai_chat_completion.batch[*].id }
output "all" { value = data.openai_chat_completions.all }
output "even" { value = data.openai_chat_completions.even }
output "mini" { value = data.openai_chat_completions.mini }
output "newest" { value = data.openai_chat_completions.newest }
output "after" { value = data.openai_chat_completions.after }
"""


def ids(listing: dict[str, Any]) -> list[str]:
    return [c["id"] for c in listing["chat_completions"]]


def test_chat_completions_lists_filters_and_follows_pages(ws, local):
    ws.write(header(local) + LIST_CONFIG)
    ws.init()
    ws.apply()
    out = ws.outputs()

    # `limit = 7` with `page_size = 3`: three calls of the same size (the SDK's next page repeats
    # the query), pages 2 and 3 after the last item seen
    everything = out["all"]
    listed = ids(everything)
    assert sorted(listed) == sorted(out["batch_ids"])
    assert (everything["has_more"], everything["first_id"], everything["last_id"]) == (
        False,
        listed[0],
        listed[-1],
    )
    paged = [(q["limit"], q.get("after")) for q in list_calls(local) if q["limit"] == ["3"]]
    assert paged == [(["3"], None), (["3"], [listed[2]]), (["3"], [listed[5]])]

    item = everything["chat_completions"][0]
    assert item["content"].startswith("Local reply to: item ")
    assert item["message"]["content"] == item["content"] and item["message"]["role"] == "assistant"
    # items 0-4 ask for gpt-4o, 5-7 for gpt-4o-mini (created in the same second: any order)
    index = int(item["content"].removeprefix("Local reply to: item ").split()[0])
    assert item["system_fingerprint"] and item["response_model"] == ("gpt-4o" if index < 5 else "gpt-4o-mini")
    assert item["choices"][0]["message"][0]["content"] == item["content"]
    assert item["finish_reason"] == "stop"
    assert item["usage"]["total_tokens"] > 0
    assert item["metadata"]["batch"] == "b"
    assert isinstance(item["created"], int)

    # every metadata pair must match
    even = out["even"]["chat_completions"]
    assert [c["id"] for c in even] == [i for i in listed if i in {c["id"] for c in even}]
    assert sorted(c["content"] for c in even) == [f"Local reply to: item {i}" for i in (0, 2, 4, 6)]
    assert all(c["metadata"] == {"batch": "b", "parity": "even"} for c in even)

    mini = out["mini"]["chat_completions"]
    assert sorted(c["content"] for c in mini) == ["Local reply to: item 5", "Local reply to: item 6"]
    assert {c["response_model"] for c in mini} == {"gpt-4o-mini"}

    newest = out["newest"]
    assert ids(newest) == listed[::-1][:2]
    assert newest["has_more"] is True

    assert ids(out["after"]) == listed[3:]
    assert out["after"]["has_more"] is False

    # a second plan reads the lists again and changes nothing
    code, result = ws.plan_exit_code()
    assert code == 0, result


def test_chat_completions_page_size_is_validated(ws, local):
    ws.write(header(local) + 'data "openai_chat_completions" "x" {\n  page_size = 101\n}\n')
    ws.init()
    code, result = ws.plan_exit_code()
    assert code == 1
    assert "page_size must be a whole number between 1 and 100, got 101." in flat(result.output)
    assert local.requests() == []


MESSAGES_CONFIG = """
resource "openai_chat_completion" "x" {
  model = "gpt-4o"
  store = true
  messages = [
    { role = "system", content = "Be brief." },
    { role = "user", content = "Weather?", name = "alice" },
    {
      role    = "assistant"
      content = null
      tool_calls = [{ id = "call_1", type = "function", function = { name = "get_weather", arguments = jsonencode({ city = "Paris" }) } }]
    },
    { role = "tool", content = "sunny", tool_call_id = "call_1" },
    { role = "assistant", content = null, function_call = { name = "get_time", arguments = "{}" } },
    { role = "function", name = "get_time", content = "noon" },
    { role = "user", content = "Thanks" },
  ]
}

data "openai_chat_completion_messages" "all" {
  completion_id = openai_chat_completion.x.id
}
data "openai_chat_completion_messages" "last_two" {
  completion_id = openai_chat_completion.x.id
  order         = "desc"
  limit         = 2
}
data "openai_chat_completion_messages" "after_first" {
  completion_id = openai_chat_completion.x.id
  after         = data.openai_chat_completion_messages.all.messages[0].id
  limit         = 2
}

output "all" { value = data.openai_chat_completion_messages.all }
output "last_two" { value = data.openai_chat_completion_messages.last_two }
output "after_first" { value = data.openai_chat_completion_messages.after_first }
"""


def test_chat_completion_messages_lists_the_request_messages(ws, local):
    ws.write(header(local) + MESSAGES_CONFIG)
    ws.init()
    ws.apply()
    out = ws.outputs()

    messages = out["all"]["messages"]
    assert [(m["role"], m["content"]) for m in messages] == [
        ("system", "Be brief."),
        ("user", "Weather?"),
        ("assistant", None),
        ("tool", "sunny"),
        ("assistant", None),
        ("function", "noon"),
        ("user", "Thanks"),
    ]
    assert out["all"]["has_more"] is False
    assert messages[1]["name"] == "alice"
    assert messages[2]["tool_calls"] == [
        {
            "id": "call_1",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
        }
    ]
    assert messages[2]["function_call"] is None
    assert messages[4]["function_call"] == {"name": "get_time", "arguments": "{}"}
    assert messages[4]["tool_calls"] == []
    assert messages[5]["name"] == "get_time"
    assert messages[3]["tool_call_id"] == "call_1"
    assert [m["tool_call_id"] for m in messages].count(None) == len(messages) - 1
    assert all(m["id"] for m in messages)

    last_two = out["last_two"]
    assert [m["content"] for m in last_two["messages"]] == ["Thanks", "noon"]
    assert last_two["has_more"] is True

    after_first = out["after_first"]
    assert [m["id"] for m in after_first["messages"]] == [m["id"] for m in messages[1:3]]
    assert after_first["has_more"] is True


def test_unknown_after_cursor_is_an_error_naming_after(ws, local):
    client = OpenAI(base_url=local.base_url, api_key="sk-local-test", max_retries=0)
    completion = client.chat.completions.create(
        model="gpt-4o", store=True, messages=[{"role": "user", "content": "hi"}]
    )
    ws.write(
        header(local)
        + f"""
data "openai_chat_completion_messages" "m" {{
  completion_id = "{completion.id}"
  after         = "msg-nope"
}}
data "openai_chat_completions" "l" {{
  after = "chatcmpl-nope"
}}
"""
    )
    ws.init()
    code, result = ws.plan_exit_code()
    assert code == 1
    shown = flat(result.output)
    assert f"after: no message with ID 'msg-nope' in chat completion '{completion.id}'" in shown
    assert "after: no stored chat completion with ID 'chatcmpl-nope' to list after" in shown
    assert "Chat Completion Not Found" not in shown
