# The configuration tests/e2e/data/schema0.tfstate was applied from (provider at commit 80eb98a,
# resource schema version 0). test_state_upgrade.py plans it with the current provider.
# Objects inside objects (tool_calls, json_schema) list every field, null where left out, so that
# Terraform 1.0 (object-typed attributes, README "Supported Terraform versions") plans it too.

resource "openai_chat_completion" "tools" {
  model = "gpt-4o"
  messages = [
    { role = "system", content = "Use the tool." },
    { role = "user", content = "Weather in Paris?", name = "alice" },
    {
      role       = "assistant"
      content    = null
      tool_calls = [{ id = "call_1", type = null, function = { name = "get_weather", arguments = jsonencode({ city = "Paris" }) } }]
    },
    { role = "tool", content = "sunny", tool_call_id = "call_1" },
  ]
  tools = [{
    type = "function"
    function = {
      name        = "get_weather"
      description = "Current weather of a city"
      parameters  = jsonencode({ type = "object", properties = { city = { type = "string" } }, required = ["city"] })
      strict      = true
    }
  }]
  tool_choice = "auto"
  temperature = 0.3
  seed        = 7
  stop        = ["END"]
  metadata    = { team = "a" }
  keepers     = { round = "1" }
}

resource "openai_chat_completion" "legacy" {
  model         = "gpt-4o-mini"
  messages      = [{ role = "user", content = "What time is it?" }]
  functions     = [{ name = "get_time", description = "The time", parameters = jsonencode({ type = "object", properties = {} }) }]
  function_call = "get_time"
  n             = 2
  logit_bias    = { "50256" = -100 }
}

resource "openai_chat_completion" "json" {
  model    = "gpt-4o"
  messages = [{ role = "user", content = "Answer in JSON" }]
  response_format = {
    type = "json_schema"
    json_schema = {
      name        = "answer"
      description = null
      schema      = jsonencode({ type = "object", properties = { summary = { type = "string" } } })
      strict      = true
    }
  }
  max_completion_tokens = 50
}

resource "openai_chat_completion" "stored" {
  model    = "gpt-4o"
  store    = true
  metadata = { env = "test" }
  messages = [{ role = "user", content = "Keep me" }]
}
