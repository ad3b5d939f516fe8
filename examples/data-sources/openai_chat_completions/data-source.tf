resource "openai_chat_completion" "tagged" {
  model    = "gpt-4o-mini"
  store    = true
  metadata = { project = "atlas" }
  messages = [{ role = "user", content = "Name a mountain range." }]
}

# List stored completions, filtered by model and metadata (pages are followed up to `limit`).
data "openai_chat_completions" "example" {
  model    = "gpt-4o-mini"
  metadata = { project = "atlas" }
  order    = "desc"
  limit    = 50

  depends_on = [openai_chat_completion.tagged]
}

output "ids" {
  value = [for c in data.openai_chat_completions.example.chat_completions : c.id]
}

output "answers" {
  value = { for c in data.openai_chat_completions.example.chat_completions : c.id => c.content }
}
