"""Data sources; each module holds one, schema then read."""

from terraform_provider_openai.data_sources.chat_completion import ChatCompletionDataSource
from terraform_provider_openai.data_sources.chat_completion_messages import ChatCompletionMessagesDataSource
from terraform_provider_openai.data_sources.chat_completions import ChatCompletionsDataSource

DATA_SOURCES = (ChatCompletionDataSource, ChatCompletionsDataSource, ChatCompletionMessagesDataSource)
