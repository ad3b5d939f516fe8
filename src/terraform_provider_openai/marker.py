"""The create marker: how a stored completion is created exactly once.

The API takes no idempotency key, so a create with ``store = true`` carries one of its own: a
random value under the reserved metadata key :data:`CREATE_MARKER_KEY`. When a create's outcome
is unknown (a 5xx, a timeout, a dropped connection, a stop), the provider lists the stored
completions carrying the marker instead of sending the request again blindly, adopts what the API
already has, and deletes extra copies. The marker lives in the instance's private state (never
shown) and in the completion's metadata; the resource and the data sources hide it from
`metadata`, so it never shows as drift. Users cannot set the key themselves, and a stored
completion keeps one of its 16 metadata slots for it.

``terraform-provider-openai leftovers`` lists (and with ``--delete`` deletes) stored completions
carrying a marker that no state tracks: what a provider killed outright may leave behind.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

#: The reserved metadata key holding a stored completion's create marker.
CREATE_MARKER_KEY = "terraform_create_marker"
#: Private-state key of the marker.
PRIVATE_MARKER = "create_marker"
#: Private-state key set while copies of an uncertain create may still appear at the API.
PRIVATE_UNSETTLED = "create_unsettled"


def new_marker() -> str:
    return "tfcm-" + uuid.uuid4().hex


def user_metadata(remote: Mapping[str, Any] | None) -> dict[str, Any]:
    """A stored completion's metadata as the user wrote it: without the marker."""
    return {k: v for k, v in (remote or {}).items() if k != CREATE_MARKER_KEY}


def marker_of(remote: Mapping[str, Any] | None) -> str | None:
    value = (remote or {}).get(CREATE_MARKER_KEY)
    return value if isinstance(value, str) and value else None
