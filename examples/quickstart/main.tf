# Quickstart: what `make demo` applies. A chat answer, a function call, and a stored completion
# (with metadata) read back through a data source.
#
# The provider reads OPENAI_API_KEY and OPENAI_BASE_URL, so these files run unchanged against the
# OpenAI API or the local server (`terraform-provider-openai serve`, answers "Local reply to: ...").

terraform {
  required_version = ">= 1.5.0"

  required_providers {
    openai = {
      source  = "registry.local/openai/openai"
      version = ">= 0.1.0"
    }
  }
}

provider "openai" {
  # api_key  from OPENAI_API_KEY
  # base_url from OPENAI_BASE_URL (unset: https://api.openai.com/v1)
}

variable "model" {
  description = "The model every completion of this example uses."
  type        = string
  default     = "gpt-4o-mini"
}

# 1. A plain answer.
module "chat" {
  source = "../../modules/chat_completion"

  model = var.model
  messages = [
    { role = "system", content = "You are a helpful assistant. Answer in one sentence." },
    { role = "user", content = "What is Terraform?" },
  ]
  temperature = 0.7
  max_tokens  = 200
}

# 2. A function call: the model answers with the function to call and its JSON arguments.
module "weather" {
  source = "../../modules/chat_completion"

  model = var.model
  messages = [
    { role = "user", content = "What's the weather in San Francisco?" },
  ]
  functions = [{
    name        = "get_weather"
    description = "Get the current weather in a location"
    parameters = jsonencode({
      type = "object"
      properties = {
        location = { type = "string", description = "The city and state, e.g. San Francisco, CA" }
        unit     = { type = "string", enum = ["celsius", "fahrenheit"] }
      }
      required = ["location"]
    })
  }]
  function_call = "get_weather"
}

# 3. A stored completion with metadata, and the same completion read back from the API.
module "stored" {
  source = "../../modules/chat_completion"

  model = var.model
  store = true
  metadata = {
    example  = "quickstart"
    category = "geography"
  }
  messages = [
    { role = "user", content = "What's the capital of France?" },
  ]
}

data "openai_chat_completion" "stored" {
  completion_id = module.stored.id
}

output "answer" {
  description = "The model's answer to \"What is Terraform?\""
  value       = module.chat.content
}

output "usage" {
  description = "Tokens the answer cost."
  value       = module.chat.usage
}

output "function_call" {
  description = "The function the model called, with its JSON arguments."
  value       = module.weather.function_call
}

output "function_arguments" {
  description = "The function call's arguments, decoded."
  value       = jsondecode(module.weather.function_call.arguments)
}

output "stored_completion_id" {
  description = "ID of the stored completion (look it up in the dashboard or with the data sources)."
  value       = module.stored.id
}

output "stored_content" {
  description = "The stored completion's answer, as the data source read it back from the API."
  value       = data.openai_chat_completion.stored.content
}

output "stored_metadata" {
  description = "The stored completion's metadata, as the API reports it."
  value       = data.openai_chat_completion.stored.metadata
}
