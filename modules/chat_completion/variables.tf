# Inputs of the module: every input of the provider's `openai_chat_completion`, with the name, type
# and description of the resource's attribute (tests/module/test_parity.py; the seed's inputs keep
# the seed's descriptions). Every rule the Chat Completions API states is checked here, at plan
# time, before anything is sent: the rules of the provider's rule table
# (src/terraform_provider_openai/rules.py), held to it by the shared agreement cases
# (tests/agreement). Where this file repeats a limit of the table (the name pattern
# ^[a-zA-Z0-9_-]{1,64}$, 128 functions, 4 stop sequences, 16 metadata pairs, the 10485760-character
# strings, the 64-bit integers, every range and list of allowed values), the table is the source.
# Validations must tolerate null: HCL's `||` and `&&` evaluate both sides, so null guards use
# conditional expressions (`x == null ? true : ...`), whose unselected branch is never an error, or
# try()/can(). Rules that involve two inputs are preconditions in main.tf.

variable "model" {
  description = "ID of the model to use (e.g., gpt-4o, gpt-4, gpt-3.5-turbo)"
  type        = string
  nullable    = false

  validation {
    condition     = length(trimspace(var.model)) > 0
    error_message = "model must not be empty: name a model such as \"gpt-4o\"."
  }
  validation {
    # C0/C1 control characters, DEL, zero-width and bidirectional formatting characters
    condition     = !can(regex("[\\x{0}-\\x{1F}\\x{7F}-\\x{9F}\\x{200B}-\\x{200F}\\x{202A}-\\x{202E}\\x{2066}-\\x{2069}\\x{FEFF}]", var.model)) && trimspace(var.model) == var.model
    error_message = "model must not contain control characters or invisible (zero-width, bidirectional) characters, nor start or end with whitespace."
  }
}

variable "messages" {
  description = "A list of messages comprising the conversation context: `{ role, content, name, function_call = { name, arguments }, tool_calls = [{ id, type, function = { name, arguments } }], tool_call_id }`: at least one."
  type = list(object({
    role          = string
    content       = optional(string)
    name          = optional(string)
    function_call = optional(object({ name = string, arguments = string }))
    tool_calls = optional(list(object({
      id       = string
      type     = optional(string, "function")
      function = object({ name = string, arguments = string })
    })))
    tool_call_id = optional(string)
  }))
  nullable = false

  validation {
    condition     = length(var.messages) > 0
    error_message = "messages must contain at least one message."
  }
  validation {
    condition     = alltrue([for m in var.messages : contains(["system", "developer", "user", "assistant", "function", "tool"], m.role)])
    error_message = "Each message's role must be one of: system, developer, user, assistant, function, tool."
  }
  validation {
    condition     = alltrue([for m in var.messages : m.role == "function" ? m.name != null : true])
    error_message = "A message with role \"function\" needs `name` (the name of the function whose result it carries)."
  }
  validation {
    condition     = alltrue([for m in var.messages : m.name == null ? true : (m.role == "function" ? can(regex("^[a-zA-Z0-9_-]{1,64}$", m.name)) : length(trimspace(m.name)) > 0 && trimspace(m.name) == m.name && !can(regex("[\\x{0}-\\x{1F}\\x{7F}-\\x{9F}\\x{200B}-\\x{200F}\\x{202A}-\\x{202E}\\x{2066}-\\x{2069}\\x{FEFF}]", m.name)))])
    error_message = "A message's `name` must not be empty, contain control or invisible characters, or start or end with whitespace; for role \"function\" it is a function name: 1 to 64 letters, digits, underscores or dashes."
  }
  validation {
    # a function message may have null content (the function returned nothing)
    condition     = alltrue([for m in var.messages : contains(["system", "developer", "user", "tool"], m.role) ? m.content != null : true])
    error_message = "Messages with role system, developer, user or tool need `content`."
  }
  validation {
    condition     = alltrue([for m in var.messages : m.content == null ? true : length(m.content) <= 10485760])
    error_message = "A message's content may be at most 10485760 characters long (the API's longest string)."
  }
  validation {
    condition     = alltrue([for m in var.messages : m.role == "assistant" ? (m.content != null || m.function_call != null || try(length(m.tool_calls), 0) > 0) : true])
    error_message = "An assistant message needs `content`, `function_call` or `tool_calls`."
  }
  validation {
    condition     = alltrue([for m in var.messages : m.role == "tool" ? m.tool_call_id != null : m.tool_call_id == null])
    error_message = "`tool_call_id` is required for role \"tool\" (the ID of the tool call it answers) and only allowed there."
  }
  validation {
    condition     = alltrue([for m in var.messages : m.tool_call_id == null ? true : length(trimspace(m.tool_call_id)) > 0 && trimspace(m.tool_call_id) == m.tool_call_id && !can(regex("[\\x{0}-\\x{1F}\\x{7F}-\\x{9F}\\x{200B}-\\x{200F}\\x{202A}-\\x{202E}\\x{2066}-\\x{2069}\\x{FEFF}]", m.tool_call_id))])
    error_message = "A message's `tool_call_id` must not be empty, contain control or invisible characters, or start or end with whitespace."
  }
  validation {
    condition     = alltrue([for m in var.messages : m.role == "assistant" ? true : (m.function_call == null && try(length(m.tool_calls), 0) == 0)])
    error_message = "`function_call` and `tool_calls` are only allowed on messages with role \"assistant\"."
  }
  validation {
    condition = alltrue(flatten([for m in var.messages : concat(
      m.function_call == null ? [] : [m.function_call.name == null ? false : can(regex("^[a-zA-Z0-9_-]{1,64}$", m.function_call.name)) && m.function_call.arguments != null],
      [for c in(m.tool_calls == null ? [] : m.tool_calls) : c.id == null || c.function == null ? false : (c.function.name == null ? false : can(regex("^[a-zA-Z0-9_-]{1,64}$", c.function.name))) && c.function.arguments != null && c.type == "function" && length(trimspace(c.id)) > 0 && trimspace(c.id) == c.id && !can(regex("[\\x{0}-\\x{1F}\\x{7F}-\\x{9F}\\x{200B}-\\x{200F}\\x{202A}-\\x{202E}\\x{2066}-\\x{2069}\\x{FEFF}]", c.id))],
    )]))
    error_message = "In messages, function_call and tool_calls[*].function need `name` (a function name: 1 to 64 letters, digits, underscores or dashes) and `arguments` (a JSON string), tool_calls[*].type must be \"function\" and tool_calls[*].id must be set, not empty, without control or invisible characters or surrounding whitespace."
  }
}

variable "functions" {
  description = "A list of functions the model may generate JSON inputs for: `{ name, description, parameters }`, `parameters` being a JSON Schema object as a JSON string (`jsonencode({...})`). Legacy; see `tools`."
  type = list(object({
    name        = string
    description = optional(string)
    parameters  = optional(string)
  }))
  default = null

  validation {
    condition     = var.functions == null ? true : length(var.functions) >= 1 && length(var.functions) <= 128
    error_message = "functions must hold 1 to 128 functions when set (use null for none)."
  }
  validation {
    condition     = var.functions == null ? true : alltrue([for f in var.functions : can(regex("^[a-zA-Z0-9_-]{1,64}$", f.name))])
    error_message = "Each function name must be 1 to 64 letters, digits, underscores or dashes (^[a-zA-Z0-9_-]{1,64}$)."
  }
  validation {
    condition     = var.functions == null ? true : length(distinct([for f in var.functions : f.name])) == length(var.functions)
    error_message = "Function names must be unique."
  }
  validation {
    condition     = var.functions == null ? true : alltrue([for f in var.functions : f.parameters == null ? true : can(keys(jsondecode(f.parameters)))])
    error_message = "Each function's parameters must be a JSON object (a JSON Schema), e.g. jsonencode({ type = \"object\", properties = {} })."
  }
}

variable "function_call" {
  description = "Controls how the model responds to function calls: \"none\", \"auto\" or the name of one of `functions` to force it. Needs `functions`."
  type        = string
  default     = null

  validation {
    condition     = var.function_call == null ? true : contains(["none", "auto"], var.function_call) || can(regex("^[a-zA-Z0-9_-]{1,64}$", var.function_call))
    error_message = "function_call must be \"none\", \"auto\" or a function name (1 to 64 letters, digits, underscores or dashes)."
  }
}

variable "temperature" {
  description = "What sampling temperature to use (0-2)"
  type        = number
  default     = 1.0
  nullable    = false

  validation {
    condition     = var.temperature >= 0 && var.temperature <= 2
    error_message = "temperature must be between 0 and 2."
  }
}

variable "max_tokens" {
  description = "Maximum tokens to generate"
  type        = number
  default     = null

  validation {
    condition     = var.max_tokens == null ? true : var.max_tokens >= 1 && var.max_tokens <= 9223372036854775807 && floor(var.max_tokens) == var.max_tokens
    error_message = "max_tokens must be a whole number from 1 to 9223372036854775807 (the largest integer the API takes)."
  }
}

variable "max_completion_tokens" {
  description = "Upper bound of generated tokens, reasoning tokens included."
  type        = number
  default     = null

  validation {
    condition     = var.max_completion_tokens == null ? true : var.max_completion_tokens >= 1 && var.max_completion_tokens <= 9223372036854775807 && floor(var.max_completion_tokens) == var.max_completion_tokens
    error_message = "max_completion_tokens must be a whole number from 1 to 9223372036854775807 (the largest integer the API takes)."
  }
}

variable "top_p" {
  description = "Nucleus sampling parameter (0-1)"
  type        = number
  default     = 1.0
  nullable    = false

  validation {
    condition     = var.top_p >= 0 && var.top_p <= 1
    error_message = "top_p must be between 0 and 1."
  }
}

variable "n" {
  description = "Number of chat completion choices to generate"
  type        = number
  default     = 1
  nullable    = false

  validation {
    condition     = var.n >= 1 && var.n <= 128 && floor(var.n) == var.n
    error_message = "n must be a whole number from 1 to 128."
  }
}

variable "stop" {
  description = "Up to 4 sequences where the API will stop generating further tokens"
  type        = list(string)
  default     = null

  validation {
    condition     = var.stop == null ? true : length(var.stop) >= 1 && length(var.stop) <= 4
    error_message = "stop must hold 1 to 4 sequences when set (use null for none)."
  }
  validation {
    condition     = var.stop == null ? true : alltrue([for s in var.stop : s != null && s != ""])
    error_message = "stop sequences must not be empty strings."
  }
}

variable "presence_penalty" {
  description = "Penalty for new tokens based on presence (-2.0 to 2.0)"
  type        = number
  default     = 0
  nullable    = false

  validation {
    condition     = var.presence_penalty >= -2 && var.presence_penalty <= 2
    error_message = "presence_penalty must be between -2.0 and 2.0."
  }
}

variable "frequency_penalty" {
  description = "Penalty for new tokens based on frequency (-2.0 to 2.0)"
  type        = number
  default     = 0
  nullable    = false

  validation {
    condition     = var.frequency_penalty >= -2 && var.frequency_penalty <= 2
    error_message = "frequency_penalty must be between -2.0 and 2.0."
  }
}

variable "logit_bias" {
  description = "Token ID (as a string) to a bias from -100 to 100."
  type        = map(number)
  default     = null

  validation {
    condition     = var.logit_bias == null ? true : alltrue([for k, v in var.logit_bias : can(regex("^[0-9]+$", k))])
    error_message = "logit_bias keys must be token IDs: whole numbers from 0 written with the digits 0-9 (\"50256\")."
  }
  validation {
    condition     = var.logit_bias == null ? true : alltrue([for k, v in var.logit_bias : v == null ? false : v >= -100 && v <= 100 && floor(v) == v])
    error_message = "logit_bias values must be whole numbers from -100 to 100."
  }
}

variable "logprobs" {
  description = "Return log probabilities of the output tokens."
  type        = bool
  default     = null
}

variable "top_logprobs" {
  description = "0 to 20 most likely tokens to return at each position; needs `logprobs = true`."
  type        = number
  default     = null

  validation {
    condition     = var.top_logprobs == null ? true : var.top_logprobs >= 0 && var.top_logprobs <= 20 && floor(var.top_logprobs) == var.top_logprobs
    error_message = "top_logprobs must be a whole number from 0 to 20."
  }
}

variable "user" {
  description = "A unique identifier representing your end-user"
  type        = string
  default     = null

  validation {
    # any text (an e-mail, a hash, a name in any script), but no line break or other control character
    condition     = var.user == null ? true : !can(regex("[\\x{0}-\\x{1F}\\x{7F}-\\x{9F}]", var.user))
    error_message = "user must not contain control characters."
  }
}

variable "reasoning_effort" {
  description = "Reasoning models: `none`, `minimal`, `low`, `medium`, `high`, `xhigh` or `max`."
  type        = string
  default     = null

  validation {
    condition     = var.reasoning_effort == null ? true : contains(["none", "minimal", "low", "medium", "high", "xhigh", "max"], var.reasoning_effort)
    error_message = "reasoning_effort must be one of: none, minimal, low, medium, high, xhigh, max."
  }
}

variable "service_tier" {
  description = "Processing tier: `auto`, `default`, `flex`, `scale`, `priority` or `fast`."
  type        = string
  default     = null

  validation {
    condition     = var.service_tier == null ? true : contains(["auto", "default", "flex", "scale", "priority", "fast"], var.service_tier)
    error_message = "service_tier must be one of: auto, default, flex, scale, priority, fast."
  }
}

variable "parallel_tool_calls" {
  description = "Allow several tool calls in one answer (only with `tools`)."
  type        = bool
  default     = null
}

variable "store" {
  description = "Store the completion at the API (Chat Completions store) so it can be looked up, listed, updated and deleted. Destroying the resource deletes the stored completion."
  type        = bool
  default     = false
  nullable    = false
}

variable "metadata" {
  description = "Key-value pairs (keys up to 64 characters, values up to 512) kept with a stored completion and usable as list filters: up to 16, or 15 with `store = true` (the provider keeps one for its create marker, `terraform_create_marker`, which is reserved). Changing it updates the completion in place."
  type        = map(string)
  default     = null

  validation {
    condition     = var.metadata == null ? true : length(var.metadata) <= 16
    error_message = "metadata may hold at most 16 key-value pairs (15 with store = true)."
  }
  validation {
    condition     = var.metadata == null ? true : alltrue([for k, v in var.metadata : length(k) >= 1 && length(k) <= 64])
    error_message = "metadata keys must be 1 to 64 characters long."
  }
  validation {
    # C0/C1 control characters, DEL, zero-width and bidirectional formatting characters, as the provider
    condition     = var.metadata == null ? true : alltrue([for k, v in var.metadata : !can(regex("[\\x{0}-\\x{1F}\\x{7F}-\\x{9F}\\x{200B}-\\x{200F}\\x{202A}-\\x{202E}\\x{2066}-\\x{2069}\\x{FEFF}]", k)) && trimspace(k) == k])
    error_message = "metadata keys must not contain control characters or invisible (zero-width, bidirectional) characters, nor start or end with whitespace."
  }
  validation {
    condition     = var.metadata == null ? true : !contains(keys(var.metadata), "terraform_create_marker")
    error_message = "The metadata key terraform_create_marker is reserved: the provider sets it on stored completions to make their create exactly-once. Use another key."
  }
  validation {
    condition     = var.metadata == null ? true : alltrue([for k, v in var.metadata : v == null ? false : length(v) <= 512])
    error_message = "metadata values must be strings of at most 512 characters."
  }
}

variable "tools" {
  description = "Tools the model may call: `[{ type = \"function\", function = { name, description, parameters, strict } }]`. `parameters` is a JSON Schema object as a JSON string (`jsonencode({...})`)."
  type = list(object({
    type = optional(string, "function")
    function = object({
      name        = string
      description = optional(string)
      parameters  = optional(string)
      strict      = optional(bool)
    })
  }))
  default = null

  validation {
    condition     = var.tools == null ? true : length(var.tools) >= 1 && length(var.tools) <= 128
    error_message = "tools must hold 1 to 128 tools when set (use null for none)."
  }
  validation {
    condition     = var.tools == null ? true : alltrue([for t in var.tools : t.type == "function"])
    error_message = "Each tool's type must be \"function\"."
  }
  validation {
    condition     = var.tools == null ? true : alltrue([for t in var.tools : can(regex("^[a-zA-Z0-9_-]{1,64}$", t.function.name))])
    error_message = "Each tool's function name must be 1 to 64 letters, digits, underscores or dashes (^[a-zA-Z0-9_-]{1,64}$)."
  }
  validation {
    condition     = var.tools == null ? true : length(distinct([for t in var.tools : t.function.name])) == length(var.tools)
    error_message = "Tool function names must be unique."
  }
  validation {
    condition     = var.tools == null ? true : alltrue([for t in var.tools : t.function.parameters == null ? true : can(keys(jsondecode(t.function.parameters)))])
    error_message = "Each tool's function.parameters must be a JSON object (a JSON Schema), e.g. jsonencode({ type = \"object\", properties = {} })."
  }
}

variable "tool_choice" {
  description = "`none`, `auto`, `required` or the name of a function in `tools`. Needs `tools` (except `none`)."
  type        = string
  default     = null

  validation {
    condition     = var.tool_choice == null ? true : contains(["none", "auto", "required"], var.tool_choice) || can(regex("^[a-zA-Z0-9_-]{1,64}$", var.tool_choice))
    error_message = "tool_choice must be \"none\", \"auto\", \"required\" or a function name (1 to 64 letters, digits, underscores or dashes)."
  }
}

variable "response_format" {
  description = "Output format: `{ type = \"json_object\" }` or `{ type = \"json_schema\", json_schema = { name, schema, strict } }`. `json_schema` also takes a `description`; `schema` is a JSON Schema object as a JSON string (`jsonencode({...})`); `{ type = \"text\" }` is the default."
  type = object({
    type = string
    json_schema = optional(object({
      name        = string
      description = optional(string)
      schema      = optional(string)
      strict      = optional(bool)
    }))
  })
  default = null

  validation {
    condition     = var.response_format == null ? true : contains(["text", "json_object", "json_schema"], var.response_format.type)
    error_message = "response_format.type must be \"text\", \"json_object\" or \"json_schema\"."
  }
  validation {
    condition     = var.response_format == null ? true : (var.response_format.type == "json_schema") == (var.response_format.json_schema != null)
    error_message = "response_format.json_schema is required when type is \"json_schema\" and only allowed then."
  }
  validation {
    condition     = try(var.response_format.json_schema, null) == null ? true : can(regex("^[a-zA-Z0-9_-]{1,64}$", var.response_format.json_schema.name))
    error_message = "response_format.json_schema.name must be 1 to 64 letters, digits, underscores or dashes."
  }
  validation {
    condition     = try(var.response_format.json_schema.schema, null) == null ? true : can(keys(jsondecode(var.response_format.json_schema.schema)))
    error_message = "response_format.json_schema.schema must be a JSON object (a JSON Schema), e.g. jsonencode({ type = \"object\", properties = {} })."
  }
}

variable "seed" {
  description = "Best-effort deterministic sampling seed. Repeated requests with the same seed and inputs should return the same result."
  type        = number
  default     = null

  validation {
    condition     = var.seed == null ? true : floor(var.seed) == var.seed && var.seed >= -9223372036854775808 && var.seed <= 9223372036854775807
    error_message = "seed must be a whole number from -9223372036854775808 to 9223372036854775807 (a 64-bit integer)."
  }
}

variable "keepers" {
  description = "Arbitrary values that, when changed, generate a new completion (as in hashicorp/random)."
  type        = map(string)
  default     = null
}
