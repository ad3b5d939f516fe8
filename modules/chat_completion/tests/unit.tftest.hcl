# Unit tests: no API calls. `mock_provider` (Terraform 1.7+) stands in for the provider; plan runs
# check every input validation and how inputs map onto `openai_chat_completion.this`, apply runs
# (against the mock) check how the completion maps onto the outputs.
#
#   terraform init && terraform test -filter=tests/unit.tftest.hcl

mock_provider "openai" {
  mock_resource "openai_chat_completion" {
    defaults = {
      id                 = "chatcmpl-mock"
      created            = 1700000000
      response_model     = "gpt-4o-2024-08-06"
      system_fingerprint = "fp_mock"
      content            = null
      finish_reason      = "function_call"
      message = {
        role          = "assistant"
        content       = null
        refusal       = null
        function_call = { name = "get_weather", arguments = "{\"location\":\"Paris\"}" }
        tool_calls    = []
      }
      choices = [{
        index         = 0
        finish_reason = "function_call"
        message = [{
          role          = "assistant"
          content       = null
          refusal       = null
          function_call = [{ name = "get_weather", arguments = "{\"location\":\"Paris\"}" }]
          tool_calls    = []
        }]
      }]
      usage = { prompt_tokens = 12, completion_tokens = 5, total_tokens = 17 }
    }
  }
}

variables {
  model    = "gpt-4o"
  messages = [{ role = "user", content = "Hello" }]
}

# ---- input -> resource mapping -------------------------------------------------------------------

run "api_defaults_are_not_sent" {
  command = plan

  assert {
    condition     = length(openai_chat_completion.this) == 1
    error_message = "one completion is planned"
  }
  assert {
    condition     = openai_chat_completion.this[0].model == "gpt-4o"
    error_message = "model is passed through"
  }
  assert {
    condition = alltrue([
      openai_chat_completion.this[0].temperature == null,
      openai_chat_completion.this[0].top_p == null,
      openai_chat_completion.this[0].n == null,
      openai_chat_completion.this[0].presence_penalty == null,
      openai_chat_completion.this[0].frequency_penalty == null,
      openai_chat_completion.this[0].store == null,
      openai_chat_completion.this[0].max_tokens == null,
      openai_chat_completion.this[0].stop == null,
      openai_chat_completion.this[0].functions == null,
      openai_chat_completion.this[0].tools == null,
      openai_chat_completion.this[0].metadata == null,
      openai_chat_completion.this[0].max_completion_tokens == null,
      openai_chat_completion.this[0].logit_bias == null,
      openai_chat_completion.this[0].logprobs == null,
      openai_chat_completion.this[0].top_logprobs == null,
      openai_chat_completion.this[0].reasoning_effort == null,
      openai_chat_completion.this[0].service_tier == null,
      openai_chat_completion.this[0].parallel_tool_calls == null,
    ])
    error_message = "settings left at the API's defaults are not sent"
  }
}

run "sampling_inputs_map_onto_the_resource" {
  command = plan

  variables {
    temperature       = 0.7
    top_p             = 0.9
    n                 = 2
    max_tokens        = 500
    stop              = ["\n\n", "END"]
    presence_penalty  = 0.5
    frequency_penalty = -0.5
    user              = "user-123"
    seed              = 42
    keepers           = { prompt_version = "2" }
  }

  assert {
    condition     = openai_chat_completion.this[0].temperature == 0.7 && openai_chat_completion.this[0].top_p == 0.9
    error_message = "temperature and top_p are passed through"
  }
  assert {
    condition     = openai_chat_completion.this[0].n == 2 && openai_chat_completion.this[0].max_tokens == 500 && openai_chat_completion.this[0].seed == 42
    error_message = "n, max_tokens and seed are passed through"
  }
  assert {
    condition     = openai_chat_completion.this[0].stop == tolist(["\n\n", "END"])
    error_message = "stop is passed through in order"
  }
  assert {
    condition     = openai_chat_completion.this[0].presence_penalty == 0.5 && openai_chat_completion.this[0].frequency_penalty == -0.5
    error_message = "penalties are passed through"
  }
  assert {
    condition     = openai_chat_completion.this[0].user == "user-123" && openai_chat_completion.this[0].keepers == tomap({ prompt_version = "2" })
    error_message = "user and keepers are passed through"
  }
}

run "messages_map_onto_the_resource_in_order" {
  command = plan

  variables {
    messages = [
      { role = "system", content = "Be brief." },
      { role = "user", content = "Weather in Paris?" },
      { role = "assistant", function_call = { name = "get_weather", arguments = "{\"location\":\"Paris\"}" } },
      { role = "function", name = "get_weather", content = "{\"temperature\":21}" },
      { role = "assistant", tool_calls = [{ id = "call_1", function = { name = "get_time", arguments = "{}" } }] },
      { role = "tool", tool_call_id = "call_1", content = "12:00" },
    ]
  }

  assert {
    condition     = length(openai_chat_completion.this[0].messages) == 6
    error_message = "every message is passed"
  }
  assert {
    condition     = [for m in openai_chat_completion.this[0].messages : m.role] == ["system", "user", "assistant", "function", "assistant", "tool"]
    error_message = "messages keep their order"
  }
  assert {
    condition     = openai_chat_completion.this[0].messages[2].function_call.name == "get_weather" && openai_chat_completion.this[0].messages[2].content == null
    error_message = "an assistant message's function_call is passed"
  }
  assert {
    condition     = openai_chat_completion.this[0].messages[3].name == "get_weather"
    error_message = "a function message's name is passed"
  }
  assert {
    condition     = openai_chat_completion.this[0].messages[4].tool_calls[0].type == "function" && openai_chat_completion.this[0].messages[4].tool_calls[0].function.name == "get_time"
    error_message = "tool_calls are passed, type defaulting to function"
  }
  assert {
    condition     = openai_chat_completion.this[0].messages[5].tool_call_id == "call_1"
    error_message = "tool_call_id is passed"
  }
}

run "functions_and_function_call_map_onto_the_resource" {
  command = plan

  variables {
    functions = [{
      name        = "get_weather"
      description = "Get the current weather in a location"
      parameters  = "{\"type\":\"object\",\"properties\":{\"location\":{\"type\":\"string\"}},\"required\":[\"location\"]}"
    }]
    function_call = "get_weather"
  }

  assert {
    condition     = openai_chat_completion.this[0].functions[0].name == "get_weather" && openai_chat_completion.this[0].functions[0].description == "Get the current weather in a location"
    error_message = "functions are passed through"
  }
  assert {
    condition     = jsondecode(openai_chat_completion.this[0].functions[0].parameters).required == ["location"]
    error_message = "function parameters are passed as the same JSON"
  }
  assert {
    condition     = openai_chat_completion.this[0].function_call == "get_weather"
    error_message = "function_call is passed through"
  }
}

run "tools_tool_choice_and_response_format_map_onto_the_resource" {
  command = plan

  variables {
    tools = [{
      function = {
        name       = "lookup"
        parameters = "{\"type\":\"object\",\"properties\":{}}"
        strict     = true
      }
    }]
    tool_choice = "lookup"
    response_format = {
      type        = "json_schema"
      json_schema = { name = "answer", schema = "{\"type\":\"object\"}", strict = true }
    }
  }

  assert {
    condition     = openai_chat_completion.this[0].tools[0].type == "function" && openai_chat_completion.this[0].tools[0].function.name == "lookup"
    error_message = "tools are passed, type defaulting to function"
  }
  assert {
    condition     = openai_chat_completion.this[0].tools[0].function.strict == true
    error_message = "tool strictness is passed"
  }
  assert {
    condition     = openai_chat_completion.this[0].tool_choice == "lookup"
    error_message = "tool_choice is passed"
  }
  assert {
    condition     = openai_chat_completion.this[0].response_format.type == "json_schema" && openai_chat_completion.this[0].response_format.json_schema.name == "answer"
    error_message = "response_format is passed"
  }
}

run "token_reasoning_and_tier_inputs_map_onto_the_resource" {
  command = plan

  variables {
    max_completion_tokens = 256
    logit_bias            = { "50256" = -100, "1" = 100 }
    logprobs              = true
    top_logprobs          = 3
    reasoning_effort      = "low"
    service_tier          = "flex"
    tools                 = [{ function = { name = "lookup" } }]
    parallel_tool_calls   = false
  }

  assert {
    condition     = openai_chat_completion.this[0].max_completion_tokens == 256
    error_message = "max_completion_tokens is passed through"
  }
  assert {
    condition     = openai_chat_completion.this[0].logit_bias == tomap({ "50256" = -100, "1" = 100 })
    error_message = "logit_bias is passed through"
  }
  assert {
    condition     = openai_chat_completion.this[0].logprobs == true && openai_chat_completion.this[0].top_logprobs == 3
    error_message = "logprobs and top_logprobs are passed through"
  }
  assert {
    condition     = openai_chat_completion.this[0].reasoning_effort == "low" && openai_chat_completion.this[0].service_tier == "flex"
    error_message = "reasoning_effort and service_tier are passed through"
  }
  assert {
    condition     = openai_chat_completion.this[0].parallel_tool_calls == false
    error_message = "parallel_tool_calls = false is sent (it is not the API's default)"
  }
}

run "store_and_metadata_map_onto_the_resource" {
  command = plan

  variables {
    store    = true
    metadata = { category = "geography", user_id = "user123" }
  }

  assert {
    condition     = openai_chat_completion.this[0].store == true
    error_message = "store = true is sent"
  }
  assert {
    condition     = openai_chat_completion.this[0].metadata == tomap({ category = "geography", user_id = "user123" })
    error_message = "metadata is passed through"
  }
}

# ---- outputs, from the (mocked) completion ------------------------------------------------------

run "outputs_come_from_the_first_choice" {
  command = apply

  variables {
    functions     = [{ name = "get_weather", parameters = "{\"type\":\"object\"}" }]
    function_call = "auto"
    store         = true
    metadata      = { team = "docs" }
  }

  assert {
    condition     = output.id == "chatcmpl-mock" && output.created == 1700000000
    error_message = "id and created come from the completion"
  }
  assert {
    condition     = output.model == "gpt-4o-2024-08-06"
    error_message = "model is the answering model (response_model)"
  }
  assert {
    condition     = output.function_call == { name = "get_weather", arguments = "{\"location\":\"Paris\"}" }
    error_message = "function_call is the first message's function call"
  }
  assert {
    condition     = output.finish_reason == "function_call" && output.content == null
    error_message = "finish_reason and content come from the first choice"
  }
  assert {
    condition     = output.choices[0].message[0].function_call[0].name == "get_weather"
    error_message = "choices keep the provider's nested shape"
  }
  assert {
    condition     = output.usage.total_tokens == 17 && length(output.tool_calls) == 0
    error_message = "usage and tool_calls come from the completion"
  }
  assert {
    condition     = output.metadata == tomap({ team = "docs" })
    error_message = "metadata is the completion's"
  }
}

# ---- validations: every rule fails at plan time, naming the input -------------------------------

run "empty_model_is_rejected" {
  command = plan
  variables {
    model = " "
  }
  expect_failures = [var.model]
}

run "unknown_role_is_rejected" {
  command = plan
  variables {
    messages = [{ role = "robot", content = "hi" }]
  }
  expect_failures = [var.messages]
}

run "function_message_without_name_is_rejected" {
  command = plan
  variables {
    messages = [{ role = "function", content = "{}" }]
  }
  expect_failures = [var.messages]
}

run "function_message_with_invalid_name_is_rejected" {
  command = plan
  variables {
    messages = [{ role = "function", name = "get weather", content = "{}" }]
  }
  expect_failures = [var.messages]
}

run "user_message_without_content_is_rejected" {
  command = plan
  variables {
    messages = [{ role = "user" }]
  }
  expect_failures = [var.messages]
}

run "empty_assistant_message_is_rejected" {
  command = plan
  variables {
    messages = [{ role = "user", content = "hi" }, { role = "assistant" }, { role = "user", content = "?" }]
  }
  expect_failures = [var.messages]
}

run "tool_message_without_tool_call_id_is_rejected" {
  command = plan
  variables {
    messages = [{ role = "tool", content = "12:00" }]
  }
  expect_failures = [var.messages]
}

run "tool_call_id_outside_tool_messages_is_rejected" {
  command = plan
  variables {
    messages = [{ role = "user", content = "hi", tool_call_id = "call_1" }]
  }
  expect_failures = [var.messages]
}

run "function_call_outside_assistant_messages_is_rejected" {
  command = plan
  variables {
    messages = [{ role = "user", content = "hi", function_call = { name = "f", arguments = "{}" } }]
  }
  expect_failures = [var.messages]
}

run "invalid_tool_call_in_a_message_is_rejected" {
  command = plan
  variables {
    messages = [
      { role = "user", content = "hi" },
      { role = "assistant", tool_calls = [{ id = "call_1", function = { name = "bad name!", arguments = "{}" } }] },
    ]
  }
  expect_failures = [var.messages]
}

run "empty_functions_list_is_rejected" {
  command = plan
  variables {
    functions = []
  }
  expect_failures = [var.functions]
}

run "invalid_function_name_is_rejected" {
  command = plan
  variables {
    functions = [{ name = "get weather" }]
  }
  expect_failures = [var.functions]
}

run "duplicate_function_names_are_rejected" {
  command = plan
  variables {
    functions = [{ name = "f" }, { name = "f" }]
  }
  expect_failures = [var.functions]
}

run "function_parameters_that_are_not_json_are_rejected" {
  command = plan
  variables {
    functions = [{ name = "f", parameters = "{type: object}" }]
  }
  expect_failures = [var.functions]
}

run "function_parameters_that_are_not_a_json_object_are_rejected" {
  command = plan
  variables {
    functions = [{ name = "f", parameters = "[1, 2]" }]
  }
  expect_failures = [var.functions]
}

run "invalid_function_call_is_rejected" {
  command = plan
  variables {
    functions     = [{ name = "f" }]
    function_call = "always please"
  }
  expect_failures = [var.function_call]
}

run "function_call_without_functions_is_rejected" {
  command = plan
  variables {
    function_call = "auto"
  }
  expect_failures = [openai_chat_completion.this]
}

run "function_call_naming_an_unknown_function_is_rejected" {
  command = plan
  variables {
    functions     = [{ name = "f" }]
    function_call = "g"
  }
  expect_failures = [openai_chat_completion.this]
}

run "temperature_below_0_is_rejected" {
  command = plan
  variables {
    temperature = -0.1
  }
  expect_failures = [var.temperature]
}

run "temperature_above_2_is_rejected" {
  command = plan
  variables {
    temperature = 2.1
  }
  expect_failures = [var.temperature]
}

run "max_tokens_below_1_is_rejected" {
  command = plan
  variables {
    max_tokens = 0
  }
  expect_failures = [var.max_tokens]
}

run "fractional_max_tokens_is_rejected" {
  command = plan
  variables {
    max_tokens = 10.5
  }
  expect_failures = [var.max_tokens]
}

run "top_p_below_0_is_rejected" {
  command = plan
  variables {
    top_p = -0.1
  }
  expect_failures = [var.top_p]
}

run "top_p_above_1_is_rejected" {
  command = plan
  variables {
    top_p = 1.1
  }
  expect_failures = [var.top_p]
}

run "n_below_1_is_rejected" {
  command = plan
  variables {
    n = 0
  }
  expect_failures = [var.n]
}

run "n_above_128_is_rejected" {
  command = plan
  variables {
    n = 129
  }
  expect_failures = [var.n]
}

run "fractional_n_is_rejected" {
  command = plan
  variables {
    n = 1.5
  }
  expect_failures = [var.n]
}

run "more_than_4_stop_sequences_are_rejected" {
  command = plan
  variables {
    stop = ["a", "b", "c", "d", "e"]
  }
  expect_failures = [var.stop]
}

run "empty_stop_sequence_is_rejected" {
  command = plan
  variables {
    stop = [""]
  }
  expect_failures = [var.stop]
}

run "presence_penalty_below_minus_2_is_rejected" {
  command = plan
  variables {
    presence_penalty = -2.1
  }
  expect_failures = [var.presence_penalty]
}

run "presence_penalty_above_2_is_rejected" {
  command = plan
  variables {
    presence_penalty = 2.1
  }
  expect_failures = [var.presence_penalty]
}

run "frequency_penalty_below_minus_2_is_rejected" {
  command = plan
  variables {
    frequency_penalty = -2.1
  }
  expect_failures = [var.frequency_penalty]
}

run "frequency_penalty_above_2_is_rejected" {
  command = plan
  variables {
    frequency_penalty = 2.1
  }
  expect_failures = [var.frequency_penalty]
}

run "user_with_a_line_break_is_rejected" {
  command = plan
  variables {
    user = "u1\r\nX-Evil: 1"
  }
  expect_failures = [var.user]
}

run "empty_messages_are_rejected" {
  command = plan
  variables {
    messages = []
  }
  expect_failures = [var.messages]
}

run "model_with_surrounding_whitespace_is_rejected" {
  command = plan
  variables {
    model = " gpt-4o"
  }
  expect_failures = [var.model]
}

run "empty_stop_list_is_rejected" {
  command = plan
  variables {
    stop = []
  }
  expect_failures = [var.stop]
}

run "function_message_without_content_and_function_call_none_are_accepted" {
  command = plan
  variables {
    messages      = [{ role = "user", content = "hi" }, { role = "function", name = "get_time" }]
    function_call = "none"
  }
  assert {
    condition     = openai_chat_completion.this[0].messages[1].content == null
    error_message = "a function message may carry no result; function_call = \"none\" needs no functions"
  }
}

run "more_than_16_metadata_pairs_are_rejected" {
  command = plan
  variables {
    store    = true
    metadata = { for i in range(17) : "key${i}" => "value" }
  }
  expect_failures = [var.metadata]
}

run "metadata_key_longer_than_64_is_rejected" {
  command = plan
  variables {
    store    = true
    metadata = { (join("", [for i in range(65) : "k"])) = "value" }
  }
  expect_failures = [var.metadata]
}

run "metadata_value_longer_than_512_is_rejected" {
  command = plan
  variables {
    store    = true
    metadata = { key = join("", [for i in range(513) : "v"]) }
  }
  expect_failures = [var.metadata]
}

run "empty_metadata_key_is_rejected" {
  command = plan
  variables {
    metadata = { "" = "value" }
  }
  expect_failures = [var.metadata]
}

run "metadata_key_with_a_control_character_is_rejected" {
  command = plan
  variables {
    metadata = { "te\nam" = "value" }
  }
  expect_failures = [var.metadata]
}

run "metadata_key_with_a_bidi_override_is_rejected" {
  command = plan
  variables {
    metadata = { "team\u202e" = "value" }
  }
  expect_failures = [var.metadata]
}

run "metadata_key_with_a_zero_width_space_is_rejected" {
  command = plan
  variables {
    metadata = { "team\u200b" = "value" }
  }
  expect_failures = [var.metadata]
}

run "metadata_key_with_surrounding_whitespace_is_rejected" {
  command = plan
  variables {
    metadata = { " team" = "value" }
  }
  expect_failures = [var.metadata]
}

run "reserved_create_marker_metadata_key_is_rejected" {
  command = plan
  variables {
    store    = true
    metadata = { terraform_create_marker = "mine" }
  }
  expect_failures = [var.metadata]
}

run "sixteen_metadata_pairs_with_store_are_rejected" {
  command = plan
  variables {
    store    = true
    metadata = { for i in range(16) : "key${i}" => "value" }
  }
  expect_failures = [openai_chat_completion.this]
}

run "fifteen_metadata_pairs_with_store_are_accepted" {
  command = plan
  variables {
    store    = true
    metadata = { for i in range(15) : "key${i}" => "value" }
  }
  assert {
    condition     = length(openai_chat_completion.this[0].metadata) == 15
    error_message = "15 pairs are passed through with store = true"
  }
}

run "sixteen_metadata_pairs_without_store_are_accepted" {
  command = plan
  variables {
    metadata = { for i in range(16) : "key${i}" => "value" }
  }
  assert {
    condition     = length(openai_chat_completion.this[0].metadata) == 16
    error_message = "16 pairs are passed through without store"
  }
}

run "empty_tools_list_is_rejected" {
  command = plan
  variables {
    tools = []
  }
  expect_failures = [var.tools]
}

run "tool_type_other_than_function_is_rejected" {
  command = plan
  variables {
    tools = [{ type = "retrieval", function = { name = "f" } }]
  }
  expect_failures = [var.tools]
}

run "invalid_tool_function_name_is_rejected" {
  command = plan
  variables {
    tools = [{ function = { name = "look up" } }]
  }
  expect_failures = [var.tools]
}

run "duplicate_tool_names_are_rejected" {
  command = plan
  variables {
    tools = [{ function = { name = "f" } }, { function = { name = "f" } }]
  }
  expect_failures = [var.tools]
}

run "tool_parameters_that_are_not_a_json_object_are_rejected" {
  command = plan
  variables {
    tools = [{ function = { name = "f", parameters = "\"object\"" } }]
  }
  expect_failures = [var.tools]
}

run "invalid_tool_choice_is_rejected" {
  command = plan
  variables {
    tools       = [{ function = { name = "f" } }]
    tool_choice = "any tool"
  }
  expect_failures = [var.tool_choice]
}

run "tool_choice_without_tools_is_rejected" {
  command = plan
  variables {
    tool_choice = "required"
  }
  expect_failures = [openai_chat_completion.this]
}

run "tool_choice_naming_an_unknown_tool_is_rejected" {
  command = plan
  variables {
    tools       = [{ function = { name = "f" } }]
    tool_choice = "g"
  }
  expect_failures = [openai_chat_completion.this]
}

run "unknown_response_format_type_is_rejected" {
  command = plan
  variables {
    response_format = { type = "xml" }
  }
  expect_failures = [var.response_format]
}

run "json_schema_format_without_a_schema_is_rejected" {
  command = plan
  variables {
    response_format = { type = "json_schema" }
  }
  expect_failures = [var.response_format]
}

run "json_schema_with_another_format_type_is_rejected" {
  command = plan
  variables {
    response_format = { type = "json_object", json_schema = { name = "x" } }
  }
  expect_failures = [var.response_format]
}

run "invalid_json_schema_name_is_rejected" {
  command = plan
  variables {
    response_format = { type = "json_schema", json_schema = { name = "my schema" } }
  }
  expect_failures = [var.response_format]
}

run "json_schema_that_is_not_a_json_object_is_rejected" {
  command = plan
  variables {
    response_format = { type = "json_schema", json_schema = { name = "x", schema = "not json" } }
  }
  expect_failures = [var.response_format]
}

run "fractional_seed_is_rejected" {
  command = plan
  variables {
    seed = 1.5
  }
  expect_failures = [var.seed]
}

# One run for the rules of the token, reasoning and tier inputs: each variable's validation must
# fail (tests/agreement runs every case of the rule table through the module one by one).
run "token_reasoning_and_tier_inputs_out_of_range_are_rejected" {
  command = plan
  variables {
    max_completion_tokens = 0
    logit_bias            = { "-1" = 101 }
    logprobs              = true
    top_logprobs          = 21
    reasoning_effort      = "extreme"
    service_tier          = "gold"
  }
  expect_failures = [var.max_completion_tokens, var.logit_bias, var.top_logprobs, var.reasoning_effort, var.service_tier]
}

run "top_logprobs_without_logprobs_is_rejected" {
  command = plan
  variables {
    top_logprobs = 2
  }
  expect_failures = [openai_chat_completion.this]
}

run "parallel_tool_calls_without_tools_is_rejected" {
  command = plan
  variables {
    parallel_tool_calls = true
  }
  expect_failures = [openai_chat_completion.this]
}
