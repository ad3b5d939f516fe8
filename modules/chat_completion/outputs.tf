# The outputs of the one completion (`openai_chat_completion.this[0]`).

output "id" {
  description = "The ID of the chat completion"
  value       = one(openai_chat_completion.this[*].id)
}

output "created" {
  description = "The Unix timestamp of when the completion was created"
  value       = one(openai_chat_completion.this[*].created)
}

output "model" {
  description = "The model used for the completion (as the API reports it, e.g. a dated snapshot of `var.model`)"
  value       = one(openai_chat_completion.this[*].response_model)
}

output "system_fingerprint" {
  description = "The backend configuration the model ran with, when the API reports it"
  value       = one(openai_chat_completion.this[*].system_fingerprint)
}

output "choices" {
  description = "The generated completions: `index`, `finish_reason`, `message` (nested objects are one-element lists: `choices[0].message[0].content`)"
  value       = one(openai_chat_completion.this[*].choices)
}

output "message" {
  description = "The first generated message: `{ role, content, refusal, function_call, tool_calls }`"
  value       = one(openai_chat_completion.this[*].message)
}

output "content" {
  description = "The content of the first generated message"
  value       = one(openai_chat_completion.this[*].content)
}

output "finish_reason" {
  description = "The reason why the generation finished"
  value       = one(openai_chat_completion.this[*].finish_reason)
}

output "function_call" {
  description = "The function call in the first generated message, if any: `{ name, arguments }` (arguments is a JSON string) or null"
  value       = one(openai_chat_completion.this[*].message.function_call)
}

output "tool_calls" {
  description = "The tool calls in the first generated message: a list of `{ id, type, function = { name, arguments } }` (empty when none)"
  value       = one(openai_chat_completion.this[*].message.tool_calls)
}

output "usage" {
  description = "Token usage statistics: `{ prompt_tokens, completion_tokens, total_tokens }`"
  value       = one(openai_chat_completion.this[*].usage)
}

output "metadata" {
  description = "The metadata of the stored completion (null when none)"
  value       = one(openai_chat_completion.this[*].metadata)
}
