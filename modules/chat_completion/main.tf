# One chat completion, made from the module's inputs.
#
# Values equal to what the API assumes when a setting is absent (temperature 1, top_p 1, n 1,
# penalties 0, store false) are not sent: the request means the same, and it also works with
# models and OpenAI-compatible servers that reject sampling settings (reasoning models, some
# proxies). The provider treats "absent" and "the API default" as the same input, so switching
# between them never plans a new completion.

resource "openai_chat_completion" "this" {
  # One completion; `count` keeps the address `openai_chat_completion.this[0]` that states of earlier
  # versions (which created none for an empty `messages`, now refused) hold.
  count = 1

  model    = var.model
  messages = var.messages

  functions     = var.functions
  function_call = var.function_call

  tools               = var.tools
  tool_choice         = var.tool_choice
  parallel_tool_calls = var.parallel_tool_calls
  response_format     = var.response_format

  temperature       = var.temperature == 1 ? null : var.temperature
  top_p             = var.top_p == 1 ? null : var.top_p
  n                 = var.n == 1 ? null : var.n
  presence_penalty  = var.presence_penalty == 0 ? null : var.presence_penalty
  frequency_penalty = var.frequency_penalty == 0 ? null : var.frequency_penalty
  max_tokens        = var.max_tokens
  stop              = var.stop
  seed              = var.seed
  user              = var.user

  max_completion_tokens = var.max_completion_tokens
  logit_bias            = var.logit_bias
  logprobs              = var.logprobs
  top_logprobs          = var.top_logprobs
  reasoning_effort      = var.reasoning_effort
  service_tier          = var.service_tier

  store    = var.store ? true : null
  metadata = var.metadata
  keepers  = var.keepers

  lifecycle {
    # Rules that involve two inputs (variable validations may only refer to their own variable
    # before Terraform 1.9).
    precondition {
      condition     = var.function_call == null ? true : (var.function_call == "none" || var.functions != null)
      error_message = "function_call needs functions (except \"none\"): set functions or leave function_call null."
    }
    precondition {
      condition     = var.function_call == null ? true : (contains(["none", "auto"], var.function_call) ? true : contains(var.functions == null ? [] : [for f in var.functions : f.name], var.function_call))
      error_message = "function_call names a function that is not in functions."
    }
    precondition {
      condition     = var.store && var.metadata != null ? length(var.metadata) <= 15 : true
      error_message = "metadata may hold at most 15 key-value pairs with store = true: the provider adds terraform_create_marker to make the create exactly-once."
    }
    precondition {
      condition     = var.tool_choice == null ? true : (var.tool_choice == "none" || var.tools != null)
      error_message = "tool_choice needs tools: set tools or leave tool_choice null."
    }
    precondition {
      condition     = var.tool_choice == null ? true : (contains(["none", "auto", "required"], var.tool_choice) ? true : contains(var.tools == null ? [] : [for t in var.tools : t.function.name], var.tool_choice))
      error_message = "tool_choice names a function that is not in tools."
    }
    precondition {
      condition     = var.parallel_tool_calls == null ? true : var.tools != null
      error_message = "parallel_tool_calls needs tools: set tools or leave parallel_tool_calls null."
    }
    precondition {
      condition     = var.top_logprobs == null ? true : var.logprobs == true
      error_message = "top_logprobs needs logprobs = true: set logprobs or leave top_logprobs null."
    }
  }
}
