# Any OpenAI-compatible endpoint (an event proxy, llama.cpp, vLLM, Ollama, LiteLLM...): point
# `base_url` at it and add the headers it wants. This is the event proxy of seed 003: requests
# carry an `openai-event-code` header, the event token is the API key.

terraform {
  required_providers {
    openai = {
      source  = "registry.local/openai/openai"
      version = ">= 0.1.0"
    }
  }
}

variable "proxy_endpoint_url" {
  description = "The proxy's URL with its /v1, e.g. https://YOUR_OPENAI_PROXY_ENDPOINT/v1 (null: OPENAI_BASE_URL)."
  type        = string
  default     = null
}

variable "event_token" {
  description = "The event token, e.g. hackathon/githubuser (null: OPENAI_API_KEY)."
  type        = string
  default     = null
  sensitive   = true
}

variable "event_code" {
  description = "The event code sent in the openai-event-code header."
  type        = string
  default     = "hackathon/githubuser"
}

provider "openai" {
  base_url = var.proxy_endpoint_url
  api_key  = var.event_token
  default_headers = {
    "openai-event-code" = var.event_code
  }
  timeout     = 120
  max_retries = 3
}

module "poem" {
  source = "../../modules/chat_completion"

  model = "gpt-4o-mini"
  messages = [
    { role = "system", content = "You are an AI assistant that writes poems in the style of William Shakespeare." },
    { role = "user", content = "Write a poem about indian elephants" },
  ]
  max_tokens  = 256
  temperature = 1
}

output "poem" {
  description = "The proxy's answer."
  value       = module.poem.content
}
