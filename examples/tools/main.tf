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

locals {
  question = "What time is it in Tokyo?"
  tools = [{
    type = "function"
    function = {
      name        = "get_time"
      description = "The current local time in a city"
      strict      = true
      parameters = jsonencode({
        type                 = "object"
        properties           = { city = { type = "string", description = "City name, e.g. Tokyo" } }
        required             = ["city"]
        additionalProperties = false
      })
    }
  }]
}

# Turn 1: the model calls the tool.
module "call" {
  source = "../../modules/chat_completion"

  model       = "gpt-4o-mini"
  messages    = [{ role = "user", content = local.question }]
  tools       = local.tools
  tool_choice = "required"
}

# Turn 2: the tool's result goes back as a "tool" message answering the call's ID.
module "answer" {
  source = "../../modules/chat_completion"

  model = "gpt-4o-mini"
  messages = [
    { role = "user", content = local.question },
    { role = "assistant", tool_calls = module.call.tool_calls },
    { role = "tool", tool_call_id = module.call.tool_calls[0].id, content = jsonencode({ city = "Tokyo", time = "21:04" }) },
  ]
  tools       = local.tools
  tool_choice = "none"
}

output "tool_call" {
  description = "The first tool call: id, type and function { name, arguments }."
  value       = module.call.tool_calls[0]
}

output "tool_arguments" {
  description = "The tool call's arguments, decoded."
  value       = jsondecode(module.call.tool_calls[0].function.arguments)
}

output "answer" {
  description = "The model's answer once it has the tool's result."
  value       = module.answer.content
}
