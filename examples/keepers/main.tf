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

variable "release" {
  description = "Bump it to generate new release notes: a change of `keepers` makes a new completion."
  type        = string
  default     = "v1.0.0"
}

variable "changes" {
  description = "What changed in the release (part of the prompt: changing it also makes a new completion)."
  type        = list(string)
  default     = ["Faster start-up", "Azure OpenAI support"]
}

# A completion is generated once and kept; plans stay empty until an input changes. `keepers`
# forces a new one on demand, like hashicorp/random's keepers, without changing the prompt.
module "release_notes" {
  source = "../../modules/chat_completion"

  model = "gpt-4o-mini"
  messages = [
    { role = "system", content = "Write a two-line release note." },
    { role = "user", content = "Changes: ${join(", ", var.changes)}" },
  ]

  keepers = {
    release = var.release
  }
}

output "release_notes" {
  description = "The generated notes."
  value       = module.release_notes.content
}

output "completion_id" {
  description = "Changes only when a new completion is generated."
  value       = module.release_notes.id
}
