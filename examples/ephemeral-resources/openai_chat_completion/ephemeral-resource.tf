# Terraform 1.10 or later. The answer exists only while Terraform runs: it is generated again at
# every plan and apply that needs it, and neither the prompt nor the answer is written to state or
# to a saved plan. Here it configures another provider instance.
ephemeral "openai_chat_completion" "codename" {
  model = "gpt-4o"
  messages = [
    { role = "system", content = "Answer with one word." },
    { role = "user", content = "Suggest a codename for tonight's release." },
  ]
  temperature = 0.2
  # `store` and `metadata` are refused here: nothing the API would keep could be tracked
}

provider "openai" {
  alias           = "release"
  default_headers = { "x-release-codename" = ephemeral.openai_chat_completion.codename.content }
}

resource "openai_chat_completion" "release_notes" {
  provider = openai.release
  model    = "gpt-4o"
  messages = [{ role = "user", content = "Write one line of release notes." }]
}

output "release_notes" {
  value = openai_chat_completion.release_notes.content
}
