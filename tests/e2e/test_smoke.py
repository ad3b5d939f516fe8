from tests.support.terraform import provider_block, required_providers


def test_apply_then_second_plan_is_empty(ws, local):
    ws.write(
        required_providers()
        + provider_block(local.base_url)
        + """
resource "openai_chat_completion" "x" {
  model    = "gpt-4o"
  messages = [{ role = "user", content = "Hello there" }]
}
output "content" { value = openai_chat_completion.x.content }
"""
    )
    ws.init()
    ws.apply()
    assert ws.outputs()["content"] == "Local reply to: Hello there"
    code, result = ws.plan_exit_code()
    assert code == 0, result
    creates = [r for r in local.requests() if r["method"] == "POST" and r["path"] == "/v1/chat/completions"]
    assert len(creates) == 1
