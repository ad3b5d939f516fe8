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

module "chat" {
  source = "../../modules/chat_completion"

  model = "gpt-4o-mini"

  messages = [
    {
      role    = "system"
      content = "You are a helpful assistant."
    },
    {
      role    = "user"
      content = "Tell me about the solar system."
    }
  ]

  temperature = 0.7
  max_tokens  = 500
}

output "assistant_response" {
  description = "The answer."
  value       = module.chat.content
}

output "finish_reason" {
  description = "stop, or length when max_tokens cut the answer."
  value       = module.chat.finish_reason
}

output "usage" {
  description = "Prompt, completion and total tokens."
  value       = module.chat.usage
}
