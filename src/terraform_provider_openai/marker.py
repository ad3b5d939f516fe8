"""The create marker: the metadata key that makes the create of a stored completion exactly-once.

With ``store = true`` the provider adds one metadata pair of its own, ``CREATE_MARKER_KEY`` = a
value unique to the resource instance's create, to the create request. When a create's outcome is
uncertain (a timeout, a dropped connection, a 5xx after the API stored it, an interruption), the
provider looks the marker up in the stored completions (``GET /chat/completions?metadata[...]``)
and adopts what exists instead of blindly creating a second completion.

The key is therefore reserved: configurations may not set it (plan-time validation refuses it),
and a stored completion leaves users 15 of the API's 16 metadata pairs.
"""

from __future__ import annotations

#: The reserved metadata key carrying the create marker of a stored completion.
CREATE_MARKER_KEY = "terraform_create_marker"
