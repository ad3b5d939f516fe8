resource "openai_chat_completion" "conversation" {
  model = "gpt-4o"
  store = true
  messages = [
    { role = "system", content = "You are terse." },
    { role = "user", content = "Define idempotent." },
  ]
}

# The messages a stored completion was made from, in conversation order.
data "openai_chat_completion_messages" "example" {
  completion_id = openai_chat_completion.conversation.id
  order         = "asc"
}

output "messages" {
  value = [for m in data.openai_chat_completion_messages.example.messages : { role = m.role, content = m.content }]
}
