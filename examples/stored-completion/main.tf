terraform {
  required_providers {
    openai = {
      source  = "registry.local/openai/openai"
      version = ">= 0.1.0"
    }
  }
}

provider "openai" {
  # api_key from OPENAI_API_KEY, base_url from OPENAI_BASE_URL (the local server, a proxy, or unset for OpenAI)
}

# A completion stored at the API (`store = true`) with metadata, then read back with the data
# sources. Destroying the module deletes the stored completion; changing `metadata` updates it in
# place (no new completion).
module "storable_chat" {
  source = "../../modules/chat_completion"

  model = "gpt-4o"
  store = true

  metadata = {
    category = "geography"
    user_id  = "user123"
  }

  messages = [
    {
      role    = "system"
      content = "You are a helpful assistant."
    },
    {
      role    = "user"
      content = "What's the capital of France?"
    }
  ]
}

data "openai_chat_completion" "retrieved" {
  completion_id = module.storable_chat.id
}

data "openai_chat_completion_messages" "retrieved" {
  completion_id = module.storable_chat.id
}

output "completion_id" {
  description = "ID of the stored completion."
  value       = module.storable_chat.id
}

output "retrieved_content" {
  description = "The answer, read back from the store."
  value       = data.openai_chat_completion.retrieved.choices[0].message[0].content
}

output "retrieved_metadata" {
  description = "The metadata the store keeps with it."
  value       = data.openai_chat_completion.retrieved.metadata
}

output "retrieved_messages" {
  description = "The request's messages, as the store keeps them (role: content)."
  value       = [for m in data.openai_chat_completion_messages.retrieved.messages : "${m.role}: ${m.content}"]
}
