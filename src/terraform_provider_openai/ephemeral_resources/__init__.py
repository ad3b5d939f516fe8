"""Ephemeral resources (Terraform 1.10+); each module holds one, schema then open."""

from terraform_provider_openai.ephemeral_resources.chat_completion import ChatCompletionEphemeralResource

EPHEMERAL_RESOURCES = (ChatCompletionEphemeralResource,)
