terraform {
  # 1.5 is what this module's features need:
  # - optional() object attributes (with defaults) in the `messages`, `functions`, `tools` and
  #   `response_format` types need 1.3;
  # - the `check` block that warns when `messages` is empty needs 1.5.
  # (`terraform test` of tests/*.tftest.hcl with mock_provider needs 1.7, but only to test.)
  required_version = ">= 1.5.0"

  required_providers {
    openai = {
      source  = "registry.local/openai/openai"
      version = ">= 0.1.0"
    }
  }
}
