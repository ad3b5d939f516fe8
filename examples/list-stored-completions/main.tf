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

variable "batch" {
  description = "Metadata value that tags this run's completions (list them by it)."
  type        = string
  default     = "capitals-1"
}

locals {
  countries = ["France", "Japan", "Peru"]
}

# Three stored completions tagged with the same metadata...
module "capital" {
  source   = "../../modules/chat_completion"
  for_each = toset(local.countries)

  model    = "gpt-4o-mini"
  store    = true
  metadata = { batch = var.batch, country = each.key }
  messages = [{ role = "user", content = "What's the capital of ${each.key}?" }]
}

# ...listed back by that metadata. depends_on: read the list only once they exist.
data "openai_chat_completions" "batch" {
  metadata = { batch = var.batch }
  order    = "asc"
  limit    = 100

  depends_on = [module.capital]
}

output "created_ids" {
  description = "The completions this configuration stored, by country."
  value       = { for country, m in module.capital : country => m.id }
}

output "listed" {
  description = "What the list found: country => answer."
  value       = { for c in data.openai_chat_completions.batch.chat_completions : c.metadata["country"] => c.content }
}

output "listed_count" {
  description = "How many stored completions carry this batch's metadata."
  value       = length(data.openai_chat_completions.batch.chat_completions)
}
