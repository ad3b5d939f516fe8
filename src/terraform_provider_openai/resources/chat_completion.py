"""Resource `openai_chat_completion`: generate a chat completion once and keep it in state.

Lifecycle:
* create: one API call; the answer is kept, so later plans are empty;
* any input change replaces the resource (a new completion), except `metadata`, which is updated in
  place (`POST /chat/completions/{id}` for a stored completion, state only otherwise);
* read: a stored completion is re-read (remote metadata drift shows in the plan; a completion
  deleted remotely leaves state with a warning); a completion that is not stored costs no call;
* delete: a stored completion is deleted (404 is fine); otherwise nothing to call;
* import: `terraform import openai_chat_completion.x chatcmpl-...` rebuilds the inputs.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from tf.schema import Schema
from tf.utils import Diagnostics

from terraform_provider_openai.client import APIClient
from terraform_provider_openai.create import create_plain, create_stored, remove, sweep
from terraform_provider_openai.errors import NotFoundError, ProviderError
from terraform_provider_openai.fields import BY_NAME, FIELDS
from terraform_provider_openai.framework import stop
from terraform_provider_openai.framework.resource import Context, PlanContext, ResourceBase, State
from terraform_provider_openai.framework.schema import attribute
from terraform_provider_openai.framework.types import Map, String
from terraform_provider_openai.marker import (
    CREATE_MARKER_KEY,
    PRIVATE_MARKER,
    PRIVATE_UNSETTLED,
    marker_of,
    new_marker,
    user_metadata,
)
from terraform_provider_openai.outputs import completion_outputs, output_attributes
from terraform_provider_openai.request import build_request, message_values, settings_from_stored
from terraform_provider_openai.rules import METADATA_MAX_PAIRS_STORED
from terraform_provider_openai.validation import validate_request


def _schema() -> Schema:
    inputs = [
        *(f.attribute() for f in FIELDS),
        attribute(
            "keepers",
            Map(String()),
            "Arbitrary values that, when changed, generate a new completion (as in hashicorp/random).",
            optional=True,
        ),
    ]
    return Schema(
        version=0,
        attributes=inputs + output_attributes(),
        description="Generates an OpenAI chat completion once and keeps the answer in state. Any input "
        "change generates a new completion, except `metadata`, which is updated in place.",
    )


_SCHEMA = _schema()
INPUTS = {a.name for a in _SCHEMA.attributes if not a.computed}
OUTPUTS = {a.name for a in _SCHEMA.attributes if a.computed}


#: Added to a failed create's longest possible duration before its late copies are no longer expected.
UNSETTLED_MARGIN_S = 300.0


def _unsettled_until(client: APIClient) -> float:
    """Until when (epoch seconds) an uncertain create's attempts may still be stored by the API."""
    timeout = client.settings.timeout or 600.0
    return time.time() + timeout * (client.max_retries + 1) + UNSETTLED_MARGIN_S


def _still_unsettled(private: dict[str, Any]) -> bool:
    until = private.get(PRIVATE_UNSETTLED)
    # True: written by an earlier build, without a deadline
    return isinstance(until, int | float) and not isinstance(until, bool) and until > time.time()


def _when(private: dict[str, Any]) -> str:
    until = private.get(PRIVATE_UNSETTLED)
    if not isinstance(until, int | float):
        return "unknown"
    return datetime.fromtimestamp(until, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _report_removed(ctx: Context, marker: str, removed: list[str], not_removed: list[str]) -> None:
    if removed:
        ctx.diagnostics.add_warning(
            "Duplicate Stored Chat Completions Deleted",
            f"Retries of an uncertain create had stored extra copies carrying the create marker "
            f"{marker}; they were deleted: {', '.join(removed)}.",
        )
    if not_removed:
        ctx.diagnostics.add_warning(
            "Stored Chat Completions Left Behind",
            f"These stored completions carry this instance's create marker {marker} but could not be "
            f"deleted: {', '.join(not_removed)}. Delete them with `terraform-provider-openai leftovers "
            "--delete` or through the API.",
        )


def create_unstored(provider: Any, ctx: Context, values: State, summary: str) -> State | None:
    """One completion that stores nothing: `values` with the outputs filled in, or None with an
    error diagnostic `summary`. The SDK retries (a retry costs tokens only) and the call runs under
    the stop controller. The resource's create without `store`, and the ephemeral resource's open."""
    client = provider.api(ctx.diagnostics, summary)
    if client is None:
        return None
    try:
        answer = create_plain(client, stop.controller(), build_request(values))
    except ProviderError as exc:
        ctx.diagnostics.add_error(summary, exc.detail())
        return None
    return {**values, **completion_outputs(answer)}


class ChatCompletionResource(ResourceBase):
    name = "chat_completion"

    @classmethod
    def get_schema(cls) -> Schema:
        return _SCHEMA

    # ---- plan ----------------------------------------------------------------------------------
    def validate(self, diags: Diagnostics, type_name: str, config: State) -> None:
        validate_request(diags, config, self.get_schema())

    def plan(self, ctx: PlanContext, prior: State | None, planned: State) -> State:
        if prior is None:
            return planned
        replace = set()
        for name in ctx.changed_fields:
            if name in OUTPUTS or name == "metadata":
                continue
            before, after = prior.get(name), planned.get(name)
            if name == "keepers" or not BY_NAME[name].same(before, after):
                replace.add(name)
            elif before is not None and after is not None:
                # The same request written another way (JSON keys in another order, a model alias
                # for the recorded snapshot): keep the state's value, so nothing shows as changed.
                # Terraform accepts the prior value for a configured attribute when both are set.
                planned[name] = before
        ctx.requires_replace = replace
        return planned

    # ---- create ------------------------------------------------------------------------------
    def create(self, ctx: Context, planned: State) -> State | None:
        ctx.private = {}  # a replacement must not inherit the old instance's marker
        if not planned.get("store"):
            return create_unstored(self.provider, ctx, planned, "Create Chat Completion Error")
        client = self.provider.api(ctx.diagnostics, "Create Chat Completion Error")
        if client is None:
            return None
        body = build_request(planned)
        if len(planned.get("metadata") or {}) > METADATA_MAX_PAIRS_STORED:
            # only possible when `store` was unknown at plan time
            ctx.diagnostics.add_error(
                "Create Chat Completion Error",
                f"`metadata` holds {len(planned['metadata'])} pairs; with `store = true` at most "
                f"{METADATA_MAX_PAIRS_STORED} are allowed: the provider keeps one for the create marker "
                f"({CREATE_MARKER_KEY}). Nothing was sent to the API.",
                path=["metadata"],
            )
            return None
        marker = new_marker()
        outcome = create_stored(client, stop.controller(), body, marker)
        _report_removed(ctx, marker, outcome.removed, outcome.not_removed)
        if outcome.answer is not None:
            ctx.private = {PRIVATE_MARKER: marker}
            if outcome.unsettled:
                ctx.private[PRIVATE_UNSETTLED] = _unsettled_until(client)
            if outcome.adopted:
                ctx.diagnostics.add_warning(
                    "Stored Chat Completion Adopted",
                    f"The API failed to answer the create but had stored the completion "
                    f"{outcome.answer.id}: it was found by its create marker ({marker}) and is "
                    "kept instead of creating another one.",
                )
            return {**planned, **completion_outputs(outcome.answer)}
        error = outcome.error or ProviderError("The completion could not be created.")
        if not outcome.uncertain:
            ctx.diagnostics.add_error("Create Chat Completion Error", error.detail())
            return None
        # The API may have stored it: keep a partial instance carrying the marker. Terraform saves
        # it tainted; the next refresh adopts what carries the marker, and replacing or destroying
        # the instance deletes every completion carrying it.
        ctx.private = {PRIVATE_MARKER: marker, PRIVATE_UNSETTLED: _unsettled_until(client)}
        ctx.diagnostics.add_error(
            "Create Chat Completion Error",
            f"{error.detail()}\n\nThe API may have stored the completion all the same. Terraform keeps "
            f"this instance as tainted, with the create marker {CREATE_MARKER_KEY} = {marker}: the "
            "next plan looks the marker up and adopts what the API stored, and the next apply "
            "replaces the instance, deleting every stored completion that carries the marker.",
        )
        return {**planned, **dict.fromkeys(OUTPUTS)}

    # ---- read --------------------------------------------------------------------------------
    def read(self, ctx: Context, current: State) -> State | None:
        if not current.get("store"):
            return current  # nothing is kept at the API: the state is the truth
        marker = ctx.private.get(PRIVATE_MARKER)
        if not current.get("id"):
            return self._adopt(ctx, current, marker) if isinstance(marker, str) else current
        client = self.provider.api(ctx.diagnostics, "Read Chat Completion Error")
        if client is None:
            return current
        try:
            stored = client.retrieve_chat_completion(current["id"])
        except NotFoundError:
            ctx.diagnostics.add_warning(
                "Stored Chat Completion Not Found",
                f"The stored chat completion {current['id']} no longer exists at the API (deleted outside "
                "Terraform); it is removed from state and the next apply creates a new one.",
            )
            return None
        except ProviderError as exc:
            ctx.diagnostics.add_error("Read Chat Completion Error", exc.detail())
            return current
        if isinstance(marker, str) and ctx.private.get(PRIVATE_UNSETTLED):
            # copies of an uncertain create that reached the API after the create ended: swept at
            # every refresh until no attempt of it can still be stored
            try:
                removed, not_removed = sweep(client, marker, keep=current["id"])
            except ProviderError:
                pass  # looked up again at the next refresh
            else:
                _report_removed(ctx, marker, removed, not_removed)
                if not _still_unsettled(ctx.private) and not not_removed:
                    ctx.private = {PRIVATE_MARKER: marker}
        remote = user_metadata(stored.metadata)
        metadata = current.get("metadata")
        if remote != (metadata or {}):
            metadata = dict(remote)
        return {**current, "metadata": metadata}

    def _adopt(self, ctx: Context, current: State, marker: str) -> State:
        """A partial instance left by an uncertain create: take what the API stored under its marker."""
        client = self.provider.api(ctx.diagnostics, "Read Chat Completion Error")
        if client is None:
            return current
        try:
            found = client.find_by_metadata(CREATE_MARKER_KEY, marker)
        except ProviderError as exc:
            ctx.diagnostics.add_error("Read Chat Completion Error", exc.detail())
            return current
        if not found:
            return current  # nothing stored (yet): the tainted instance is replaced at the next apply
        adopted = found[0]
        _report_removed(ctx, marker, *remove(client, [c.id for c in found[1:]]))
        ctx.diagnostics.add_warning(
            "Stored Chat Completion Adopted",
            f"The create that failed earlier had stored the completion {adopted.id} (found by "
            f"its create marker {marker}); it is now tracked in state. The instance stays tainted, so "
            "the next apply replaces it; run `terraform untaint` first to keep this completion instead.",
        )
        return {**current, **completion_outputs(adopted)}

    # ---- update ------------------------------------------------------------------------------
    def update(self, ctx: Context, prior: State, planned: State) -> State | None:
        if planned.get("store") and prior.get("metadata") != planned.get("metadata"):
            client = self.provider.api(ctx.diagnostics, "Update Chat Completion Error")
            if client is None:
                return prior
            metadata = dict(planned.get("metadata") or {})
            marker = ctx.private.get(PRIVATE_MARKER)
            if isinstance(marker, str):
                metadata[CREATE_MARKER_KEY] = marker  # the update replaces all metadata: keep it
            try:
                client.update_chat_completion(prior["id"], metadata)
            except ProviderError as exc:
                ctx.diagnostics.add_error("Update Chat Completion Error", exc.detail())
                return prior
        return planned

    # ---- delete ------------------------------------------------------------------------------
    def delete(self, ctx: Context, current: State) -> None:
        marker = ctx.private.get(PRIVATE_MARKER)
        if not current.get("store") or not (current.get("id") or marker):
            return
        client = self.provider.api(ctx.diagnostics, "Delete Chat Completion Error")
        if client is None:
            return
        try:
            if current.get("id"):
                client.delete_chat_completion(current["id"])  # already gone is fine
            if isinstance(marker, str):
                # every copy an uncertain create may have left behind
                removed, not_removed = sweep(client, marker, keep=current.get("id"))
                if removed:
                    _report_removed(ctx, marker, removed, [])
                if not_removed:  # keep the instance (and its marker) so the next destroy tries again
                    ctx.diagnostics.add_error(
                        "Delete Chat Completion Error",
                        f"These stored completions carry this instance's create marker {marker} but "
                        f"could not be deleted: {', '.join(not_removed)}. The instance stays in state; "
                        "run the destroy again.",
                    )
                elif not current.get("id") and not removed and _still_unsettled(ctx.private):
                    ctx.diagnostics.add_warning(
                        "Stored Chat Completion May Still Appear",
                        f"The failed create of this instance may still be stored by the API (its "
                        f"outcome is open until {_when(ctx.private)}); nothing carrying its create marker "
                        f"{marker} exists yet. If one appears, `terraform-provider-openai leftovers` "
                        "finds it.",
                    )
        except ProviderError as exc:
            ctx.diagnostics.add_error("Delete Chat Completion Error", exc.detail())

    # ---- import ------------------------------------------------------------------------------
    def import_(self, ctx: Context, id: str) -> State | None:
        client = self.provider.api(ctx.diagnostics, "Import Chat Completion Error")
        if client is None:
            return None
        try:
            stored = client.retrieve_chat_completion(id)
            messages, _ = client.list_chat_completion_messages(id, order="asc")
        except NotFoundError:
            ctx.diagnostics.add_error(
                "Import Chat Completion Error",
                f"No stored chat completion with ID {id!r}. Only completions created with `store = true` "
                "can be imported.",
            )
            return None
        except ProviderError as exc:
            ctx.diagnostics.add_error("Import Chat Completion Error", exc.detail())
            return None
        marker = marker_of(stored.metadata)
        if marker is not None:
            ctx.private = {PRIVATE_MARKER: marker}
        return {
            "model": stored.model,
            "messages": [message_values(m) for m in messages],
            **settings_from_stored(stored, drop_defaults=True),
            "store": True,
            "metadata": user_metadata(stored.metadata) or None,
            "keepers": None,
            **completion_outputs(stored),
        }
