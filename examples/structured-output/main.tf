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

# The answer is JSON that follows a JSON Schema (`response_format.type = "json_schema"`).
module "planet" {
  source = "../../modules/chat_completion"

  model = "gpt-4o-mini"
  messages = [
    { role = "system", content = "Extract facts about the planet the user names." },
    { role = "user", content = "Tell me about Mars." },
  ]

  response_format = {
    type = "json_schema"
    json_schema = {
      name        = "planet_facts"
      description = "Facts about one planet"
      strict      = true
      schema = jsonencode({
        type = "object"
        properties = {
          name             = { type = "string" }
          summary          = { type = "string" }
          moons            = { type = "integer" }
          has_rings        = { type = "boolean" }
          notable_features = { type = "array", items = { type = "string" } }
        }
        required             = ["name", "summary", "moons", "has_rings", "notable_features"]
        additionalProperties = false
      })
    }
  }
}

# JSON mode: any JSON object (the prompt must ask for JSON).
module "json_mode" {
  source = "../../modules/chat_completion"

  model = "gpt-4o-mini"
  messages = [
    { role = "user", content = "Reply in JSON: name three inner planets." },
  ]
  response_format = { type = "json_object" }
}

locals {
  planet = jsondecode(module.planet.content)
}

output "planet" {
  description = "The structured answer, decoded into an object."
  value       = local.planet
}

output "planet_name" {
  description = "One field of it."
  value       = local.planet.name
}

output "json_mode" {
  description = "The JSON-mode answer, decoded."
  value       = jsondecode(module.json_mode.content)
}
