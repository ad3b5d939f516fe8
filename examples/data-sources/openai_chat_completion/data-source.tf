resource "openai_chat_completion" "stored" {
  model    = "gpt-4o"
  store    = true
  metadata = { purpose = "lookup-example" }
  messages = [{ role = "user", content = "What's the capital of France?" }]
}

# Read a stored completion back by its ID.
data "openai_chat_completion" "example" {
  completion_id = openai_chat_completion.stored.id
}

output "content" {
  value = data.openai_chat_completion.example.choices[0].message[0].content
}

output "metadata" {
  value = data.openai_chat_completion.example.metadata
}

# The model that answered, under the same name as on the resource (`response_model`).
output "response_model" {
  value = data.openai_chat_completion.example.response_model
}
