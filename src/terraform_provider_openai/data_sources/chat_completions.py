"""Data source `openai_chat_completions`: stored completions filtered by model and metadata."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tf.schema import Schema
from tf.utils import Diagnostics

from terraform_provider_openai.client import MAX_PAGE_SIZE
from terraform_provider_openai.errors import NotFoundError, ProviderError
from terraform_provider_openai.framework.resource import Context, DataSourceBase, State
from terraform_provider_openai.framework.schema import attribute
from terraform_provider_openai.framework.types import Bool, List, Map, Number, Object, String
from terraform_provider_openai.marker import user_metadata
from terraform_provider_openai.outputs import completion_outputs, output_attributes
from terraform_provider_openai.validation import Checker, validate_listing

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletion

DEFAULT_LIMIT = 20

# Each completion found carries the same outputs as the resource and `openai_chat_completion`
# (same names, same shapes), plus its metadata.
_ITEM = Object({**{a.name: a.type for a in output_attributes()}, "metadata": Map(String())})

_SCHEMA = Schema(
    attributes=[
        attribute("model", String(), "Only completions made with this model.", optional=True),
        attribute(
            "metadata",
            Map(String()),
            "Only completions whose metadata holds every one of these key-value pairs.",
            optional=True,
        ),
        attribute("order", String(), "`asc` (oldest first, the default) or `desc`.", optional=True),
        attribute("after", String(), "Start after the completion with this ID.", optional=True),
        attribute(
            "limit",
            Number(),
            f"How many completions to return in total (default {DEFAULT_LIMIT}); pages are followed as needed.",
            optional=True,
        ),
        attribute(
            "page_size",
            Number(),
            f"How many completions to ask for per API call, 1 to {MAX_PAGE_SIZE} (default {MAX_PAGE_SIZE}). "
            "Only the number of calls changes, not the result: `limit` results are returned either way.",
            optional=True,
        ),
        attribute(
            "chat_completions",
            List(_ITEM),
            "The completions found, each with the outputs of the resource under the same names: `id`, "
            "`created`, `response_model`, `system_fingerprint`, `choices`, `content`, `finish_reason`, "
            "`message`, `usage`; and `metadata`.",
            computed=True,
        ),
        attribute("has_more", Bool(), "Whether more completions match beyond `limit`.", computed=True),
        attribute(
            "first_id", String(), "ID of the first completion returned (null when none).", computed=True
        ),
        attribute("last_id", String(), "ID of the last completion returned (null when none).", computed=True),
    ],
    description="Lists chat completions stored with `store = true`, filtered by model and metadata.",
)


def _item(stored: ChatCompletion) -> dict[str, Any]:
    return {**completion_outputs(stored), "metadata": user_metadata(stored.metadata)}


class ChatCompletionsDataSource(DataSourceBase):
    name = "chat_completions"

    @classmethod
    def get_schema(cls) -> Schema:
        return _SCHEMA

    def validate(self, diags: Diagnostics, type_name: str, config: State) -> None:
        validate_listing(diags, config)
        Checker(diags).number_range(config.get("page_size"), ["page_size"], 1, MAX_PAGE_SIZE, integer=True)

    def read(self, ctx: Context, config: State) -> State | None:
        client = self.provider.api(ctx.diagnostics, "List Chat Completions Error")
        if client is None:
            return None
        limit = int(config["limit"]) if config.get("limit") is not None else DEFAULT_LIMIT
        try:
            items, has_more = client.list_chat_completions(
                model=config.get("model"),
                metadata=config.get("metadata"),
                order=config.get("order"),
                after=config.get("after"),
                limit=limit,
                page_size=int(config["page_size"]) if config.get("page_size") is not None else None,
            )
        except NotFoundError as exc:
            # the only ID a list call names is its `after` cursor
            ctx.diagnostics.add_error(
                "Invalid after",
                f"after: no stored chat completion with ID {config.get('after')!r} to list after.\n{exc.detail()}",
                path=["after"],
            )
            return None
        except ProviderError as exc:
            ctx.diagnostics.add_error("List Chat Completions Error", exc.detail())
            return None
        found = [_item(i) for i in items]
        return {
            **config,
            "chat_completions": found,
            "has_more": has_more,
            "first_id": found[0]["id"] if found else None,
            "last_id": found[-1]["id"] if found else None,
        }
