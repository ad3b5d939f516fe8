# Integration tests: the real provider against an OpenAI-compatible API. Meant for the project's
# local server, whose text answer is "Local reply to: <last user message>":
#
#   terraform-provider-openai serve --port 0      # prints http://127.0.0.1:PORT/v1
#   export OPENAI_BASE_URL=http://127.0.0.1:PORT/v1 OPENAI_API_KEY=sk-local
#   terraform init && terraform test -filter=tests/integration.tftest.hcl
#
# (tests/module/test_module.py does exactly this.)

provider "openai" {
  # base_url and api_key come from OPENAI_BASE_URL and OPENAI_API_KEY
}

variables {
  model = "gpt-4o"
  messages = [
    { role = "system", content = "You are a helpful assistant." },
    { role = "user", content = "Tell me about the solar system." },
  ]
}

run "basic_chat_returns_the_answer_and_usage" {
  variables {
    temperature = 0.7
    max_tokens  = 500
  }

  assert {
    condition     = output.content == "Local reply to: Tell me about the solar system."
    error_message = "content is the first message's text, got ${jsonencode(output.content)}"
  }
  assert {
    condition     = startswith(output.id, "chatcmpl-") && output.created > 0 && output.model != null
    error_message = "id, created and model describe the completion"
  }
  assert {
    condition     = output.finish_reason == "stop" && output.function_call == null && length(output.tool_calls) == 0
    error_message = "a text answer has no function or tool call"
  }
  assert {
    condition     = output.usage.prompt_tokens > 0 && output.usage.total_tokens == output.usage.prompt_tokens + output.usage.completion_tokens
    error_message = "usage counts the tokens, got ${jsonencode(output.usage)}"
  }
  assert {
    condition     = output.choices[0].message[0].content == output.content
    error_message = "choices[0].message[0].content is the content"
  }
}

run "token_reasoning_and_tier_inputs_reach_the_api" {
  # the local server keeps `max_completion_tokens` words (finish_reason "length"); the other inputs
  # change nothing it answers, and tests/module/test_module.py finds them in the request it received
  variables {
    max_completion_tokens = 3
    logit_bias            = { "50256" = -100 }
    logprobs              = true
    top_logprobs          = 2
    reasoning_effort      = "low"
    service_tier          = "flex"
    tools                 = [{ function = { name = "lookup" } }]
    tool_choice           = "none"
    parallel_tool_calls   = false
  }

  assert {
    condition     = output.content == "Local reply to:" && output.finish_reason == "length"
    error_message = "max_completion_tokens = 3 keeps three words, got ${jsonencode(output.content)} (${output.finish_reason})"
  }
  assert {
    condition     = output.usage.completion_tokens == 3 && length(output.tool_calls) == 0
    error_message = "three completion tokens, no tool call (tool_choice = \"none\"), got ${jsonencode(output.usage)}"
  }
}

run "function_calling_returns_the_call" {
  variables {
    messages = [
      { role = "system", content = "You are an assistant that can call functions to get information." },
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
    function_call = "auto"
  }

  assert {
    condition     = output.function_call.name == "get_weather"
    error_message = "the model calls get_weather, got ${jsonencode(output.function_call)}"
  }
  assert {
    condition     = can(jsondecode(output.function_call.arguments).location)
    error_message = "the call's arguments are a JSON object with the required location"
  }
  assert {
    condition     = output.finish_reason == "function_call" && output.content == null
    error_message = "a function call ends with finish_reason function_call and no content"
  }
  assert {
    condition     = output.choices[0].message[0].function_call[0].name == "get_weather"
    error_message = "the seed's path choices[0].message[0].function_call[0].name works"
  }
  assert {
    condition     = output.usage.completion_tokens > 0
    error_message = "the call counts completion tokens"
  }
}

run "tools_return_a_tool_call" {
  variables {
    tools = [{
      function = {
        name        = "get_time"
        description = "Current time in a city"
        parameters  = jsonencode({ type = "object", properties = { city = { type = "string" } }, required = ["city"] })
      }
    }]
    tool_choice = "required"
  }

  assert {
    condition     = output.tool_calls[0].type == "function" && output.tool_calls[0].function.name == "get_time"
    error_message = "the model calls get_time, got ${jsonencode(output.tool_calls)}"
  }
  assert {
    condition     = startswith(output.tool_calls[0].id, "call_") && output.finish_reason == "tool_calls"
    error_message = "a tool call has an ID and finish_reason tool_calls"
  }
}

run "json_schema_answers_follow_the_schema" {
  variables {
    response_format = {
      type = "json_schema"
      json_schema = {
        name   = "planet"
        strict = true
        schema = jsonencode({
          type                 = "object"
          properties           = { name = { type = "string" } }
          required             = ["name"]
          additionalProperties = false
        })
      }
    }
  }

  assert {
    condition     = can(jsondecode(output.content).name)
    error_message = "content is JSON with the schema's required property, got ${jsonencode(output.content)}"
  }
}

run "stored_completion_keeps_its_metadata" {
  variables {
    store    = true
    metadata = { category = "geography", user_id = "user123" }
  }

  assert {
    condition     = output.metadata == tomap({ category = "geography", user_id = "user123" })
    error_message = "metadata is kept with the stored completion"
  }
  assert {
    condition     = output.content == "Local reply to: Tell me about the solar system."
    error_message = "a stored completion answers like any other"
  }
}
