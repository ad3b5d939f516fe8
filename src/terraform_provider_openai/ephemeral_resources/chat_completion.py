"""Ephemeral resource `openai_chat_completion` (Terraform 1.10+): a completion generated whenever
Terraform needs its value and never written to state or plan files.

* the request attributes are the resource's (``fields.FIELDS``), and so is their validation;
* open: one create request that stores nothing, through the resource's own create path
  (:func:`~terraform_provider_openai.resources.chat_completion.create_unstored`: the SDK's retries,
  the stop controller, the same error texts under "Open Chat Completion Error");
* Terraform opens it at every plan and apply that needs its value: each costs one request;
* `store = true` and `metadata` are refused at validate (and again at open): a completion stored at
  the API is a persistent object that nothing would track or delete;
* renew and close have nothing to do: nothing is kept.
"""

from __future__ import annotations

from tf.schema import Attribute, Schema
from tf.utils import Diagnostics

from terraform_provider_openai.fields import FIELDS, METADATA, STORE, Field
from terraform_provider_openai.framework.resource import Context, EphemeralResourceBase, State
from terraform_provider_openai.framework.schema import attribute
from terraform_provider_openai.framework.types import Unknown, contains_unknown
from terraform_provider_openai.outputs import output_attributes
from terraform_provider_openai.resources.chat_completion import create_unstored
from terraform_provider_openai.validation import validate_request

OPEN_ERROR = "Open Chat Completion Error"

#: Request attributes the ephemeral resource declares only to refuse them, with why.
REFUSED = {
    STORE.name: "`store = true` would keep the completion at the API, and an ephemeral "
    "openai_chat_completion is never written to state: nothing would track or delete that stored "
    "completion. Use the resource openai_chat_completion to store a completion.",
    METADATA.name: "`metadata` is kept only with a stored completion, and an ephemeral "
    "openai_chat_completion never stores one. Remove it, or use the resource openai_chat_completion "
    "with `store = true`.",
}


def _refused_attribute(field: Field) -> Attribute:
    return attribute(
        field.name,
        field.tf_type(),
        f"Not supported here: an ephemeral completion is never stored at the API, so setting it "
        f"{'to true ' if field is STORE else ''}is an error.",
        optional=True,
    )


_SCHEMA = Schema(
    version=0,
    attributes=[
        *(_refused_attribute(f) if f.name in REFUSED else f.attribute() for f in FIELDS),
        *output_attributes(),
    ],
    description="Generates an OpenAI chat completion whenever Terraform needs it (Terraform 1.10 or "
    "later), without ever writing the prompt or the answer to state or plan files: for answers "
    "that only configure something else, or that must not persist. Each plan and apply that uses "
    "it sends one request.",
)
OUTPUTS = [a.name for a in _SCHEMA.attributes if a.computed]


def refuse_persistence(diags: Diagnostics, config: State) -> None:
    """An error naming `store` (when true) and `metadata` (when set); unknown values pass."""
    for name, why in REFUSED.items():
        value = config.get(name)
        if value is None or value is Unknown or (name == STORE.name and value is False):
            continue
        diags.add_error(f"Invalid {name}", why, path=[name])


class ChatCompletionEphemeralResource(EphemeralResourceBase):
    name = "chat_completion"

    @classmethod
    def get_schema(cls) -> Schema:
        return _SCHEMA

    def validate(self, diags: Diagnostics, type_name: str, config: State) -> None:
        refuse_persistence(diags, config)
        validate_request(diags, config, self.get_schema())

    def open(self, ctx: Context, config: State) -> State | None:
        refuse_persistence(ctx.diagnostics, config)  # a value that was unknown at validate
        if ctx.diagnostics.has_errors():
            return None
        if contains_unknown(config):  # Terraform opens only wholly known configurations
            return {**config, **dict.fromkeys(OUTPUTS, Unknown)}
        return create_unstored(self.provider, ctx, config, OPEN_ERROR)
