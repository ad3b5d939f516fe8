"""Data source `openai_chat_completion`: one stored completion by ID."""

from __future__ import annotations

from tf.schema import Schema
from tf.utils import Diagnostics

from terraform_provider_openai.errors import NotFoundError, ProviderError
from terraform_provider_openai.framework.resource import Context, DataSourceBase, State
from terraform_provider_openai.framework.schema import attribute
from terraform_provider_openai.framework.types import Bool, Map, String
from terraform_provider_openai.marker import user_metadata
from terraform_provider_openai.outputs import completion_outputs, output_attributes
from terraform_provider_openai.request import request_attributes, settings_from_stored
from terraform_provider_openai.validation import Checker

_SCHEMA = Schema(
    attributes=[
        attribute(
            "completion_id", String(), "ID of a stored chat completion (`chatcmpl-...`).", required=True
        ),
        *[a for a in output_attributes() if a.name != "id"],
        attribute("id", String(), "The completion's ID (same as `completion_id`).", computed=True),
        attribute("metadata", Map(String()), "The completion's metadata.", computed=True),
        attribute(
            "store",
            Bool(),
            "Whether the completion is stored (always true for a completion found here).",
            computed=True,
        ),
        *request_attributes(computed=True),
    ],
    description="Reads a chat completion stored with `store = true`: its answer, usage, metadata and the "
    "request settings the API reports.",
)


class ChatCompletionDataSource(DataSourceBase):
    name = "chat_completion"

    @classmethod
    def get_schema(cls) -> Schema:
        return _SCHEMA

    def validate(self, diags: Diagnostics, type_name: str, config: State) -> None:
        Checker(diags).not_empty(config.get("completion_id"), ["completion_id"])

    def read(self, ctx: Context, config: State) -> State | None:
        client = self.provider.api(ctx.diagnostics, "Read Chat Completion Error")
        if client is None:
            return None
        completion_id = config["completion_id"]
        try:
            stored = client.retrieve_chat_completion(completion_id)
        except NotFoundError as exc:
            ctx.diagnostics.add_error(
                "Chat Completion Not Found",
                f"No stored chat completion with ID {completion_id!r}. Only completions created with "
                f"`store = true` can be read back.\n{exc.detail()}",
                path=["completion_id"],
            )
            return None
        except ProviderError as exc:
            ctx.diagnostics.add_error("Read Chat Completion Error", exc.detail())
            return None
        return {
            "completion_id": completion_id,
            **completion_outputs(stored),
            "metadata": user_metadata(stored.metadata),
            "store": True,
            **settings_from_stored(stored, drop_defaults=False),
        }
