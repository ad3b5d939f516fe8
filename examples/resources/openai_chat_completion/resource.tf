resource "openai_chat_completion" "example" {
  model = "gpt-4o"
  messages = [
    { role = "system", content = "You are a helpful assistant." },
    { role = "user", content = "Write a haiku about infrastructure as code." },
  ]

  temperature = 0.7
  max_tokens  = 100

  # keep it at the API so it can be looked up, listed and imported
  store    = true
  metadata = { team = "docs" }

  # `keepers = { revision = "1" }` would force a new completion whenever a value changes (they are
  # not stored at the API, so an imported completion starts without them)
}

output "haiku" {
  value = openai_chat_completion.example.content
}

output "total_tokens" {
  value = openai_chat_completion.example.usage.total_tokens
}
