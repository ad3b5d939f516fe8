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

# Each request is stateless: the whole history goes into `messages`.
module "conversation" {
  source = "../../modules/chat_completion"

  model = "gpt-4o"

  messages = [
    {
      role    = "system"
      content = "You are a helpful assistant that provides concise responses."
    },
    {
      role    = "user"
      content = "Hello, how are you?"
    },
    {
      role    = "assistant"
      content = "I'm doing well, thank you for asking! How can I assist you today?"
    },
    {
      role    = "user"
      content = "Can you recommend a book?"
    }
  ]

  temperature = 0.8
}

# The next turn: the previous answer joins the history.
module "follow_up" {
  source = "../../modules/chat_completion"

  model = "gpt-4o"

  messages = [
    { role = "system", content = "You are a helpful assistant that provides concise responses." },
    { role = "user", content = "Can you recommend a book?" },
    { role = "assistant", content = module.conversation.content },
    { role = "user", content = "Why that one?" },
  ]

  temperature = 0.8
}

output "recommendation" {
  description = "The answer to the fourth message."
  value       = module.conversation.content
}

output "follow_up" {
  description = "The answer to the next turn, made with the recommendation in the history."
  value       = module.follow_up.content
}
