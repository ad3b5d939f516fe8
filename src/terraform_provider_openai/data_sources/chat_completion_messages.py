"""Data source `openai_chat_completion_messages`: the request messages of a stored completion."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tf.schema import Schema
from tf.utils import Diagnostics

from terraform_provider_openai.errors import NotFoundError, ProviderError
from terraform_provider_openai.framework.resource import Context, DataSourceBase, State
from terraform_provider_openai.framework.schema import attribute
from terraform_provider_openai.framework.types import Bool, List, Number, Object, String
from terraform_provider_openai.outputs import FUNCTION_CALL, TOOL_CALL
from terraform_provider_openai.request import message_values
from terraform_provider_openai.validation import Checker, validate_listing

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletionStoreMessage

_MESSAGE = Object(
    {
        "id": String(),
        "role": String(),
        "content": String(),
        "name": String(),
        "tool_calls": List(TOOL_CALL),
        "function_call": FUNCTION_CALL,
        "tool_call_id": String(),
    }
)

_SCHEMA = Schema(
    attributes=[
        attribute(
            "completion_id", String(), "ID of a stored chat completion (`chatcmpl-...`).", required=True
        ),
        attribute("order", String(), "`asc` (conversation order, the default) or `desc`.", optional=True),
        attribute("after", String(), "Start after the message with this ID.", optional=True),
        attribute("limit", Number(), "How many messages to return in total (default: all).", optional=True),
        attribute(
            "messages",
            List(_MESSAGE),
            "The messages the completion was made from: `id`, `role`, `content`, `name`, `tool_calls` "
            "(`[{ id, type, function = { name, arguments } }]`), `function_call` (`{ name, arguments }` or "
            "null) and `tool_call_id`, shaped as the resource's `messages`.",
            computed=True,
        ),
        attribute("has_more", Bool(), "Whether more messages follow beyond `limit`.", computed=True),
    ],
    description="Reads the request messages of a chat completion stored with `store = true`.",
)


def _message(m: ChatCompletionStoreMessage) -> dict[str, Any]:
    """The resource's `messages` element, with the message's ID; no tool call is an empty list."""
    values = message_values(m)
    return {"id": m.id, **values, "tool_calls": values["tool_calls"] or []}


class ChatCompletionMessagesDataSource(DataSourceBase):
    name = "chat_completion_messages"

    @classmethod
    def get_schema(cls) -> Schema:
        return _SCHEMA

    def validate(self, diags: Diagnostics, type_name: str, config: State) -> None:
        Checker(diags).not_empty(config.get("completion_id"), ["completion_id"])
        validate_listing(diags, config)

    def read(self, ctx: Context, config: State) -> State | None:
        client = self.provider.api(ctx.diagnostics, "Read Chat Completion Messages Error")
        if client is None:
            return None
        completion_id = config["completion_id"]
        limit = int(config["limit"]) if config.get("limit") is not None else None
        try:
            items, has_more = client.list_chat_completion_messages(
                completion_id, order=config.get("order"), after=config.get("after"), limit=limit
            )
        except NotFoundError as exc:
            if exc.param == "after":  # the cursor, not the completion, is unknown
                ctx.diagnostics.add_error(
                    "Invalid after",
                    f"after: no message with ID {config.get('after')!r} in chat completion {completion_id!r}.\n"
                    f"{exc.detail()}",
                    path=["after"],
                )
                return None
            ctx.diagnostics.add_error(
                "Chat Completion Not Found",
                f"No stored chat completion with ID {completion_id!r}.\n{exc.detail()}",
                path=["completion_id"],
            )
            return None
        except ProviderError as exc:
            ctx.diagnostics.add_error("Read Chat Completion Messages Error", exc.detail())
            return None
        return {**config, "messages": [_message(m) for m in items], "has_more": has_more}
