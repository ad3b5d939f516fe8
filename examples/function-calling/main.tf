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

# Legacy function calling (`functions` + `function_call`); see ../tools for the current form.
module "chat_with_functions" {
  source = "../../modules/chat_completion"

  model = "gpt-4o-mini"

  messages = [
    {
      role    = "system"
      content = "You are an assistant that can call functions to get information."
    },
    {
      role    = "user"
      content = "What's the weather in San Francisco?"
    }
  ]

  functions = [
    {
      name        = "get_weather"
      description = "Get the current weather in a location"
      parameters = jsonencode({
        type = "object",
        properties = {
          location = {
            type        = "string",
            description = "The city and state, e.g. San Francisco, CA"
          },
          unit = {
            type = "string",
            enum = ["celsius", "fahrenheit"]
          }
        },
        required = ["location"]
      })
    }
  ]

  function_call = "auto"
}

# Second turn: give the model the function's result (as a "function" message) to get an answer.
module "answer" {
  source = "../../modules/chat_completion"

  model = "gpt-4o-mini"

  messages = [
    { role = "user", content = "What's the weather in San Francisco?" },
    { role = "assistant", function_call = module.chat_with_functions.function_call },
    { role = "function", name = "get_weather", content = jsonencode({ temperature = 18, unit = "celsius", sky = "foggy" }) },
    { role = "user", content = "Summarize the weather in one sentence." },
  ]
}

output "function_call" {
  description = "The function the model chose and its arguments (a JSON string), or null."
  value       = module.chat_with_functions.function_call
}

output "location" {
  description = "The location argument the model filled in."
  value       = try(jsondecode(module.chat_with_functions.function_call.arguments).location, null)
}

output "answer" {
  description = "The model's answer once it has the function's result."
  value       = module.answer.content
}
