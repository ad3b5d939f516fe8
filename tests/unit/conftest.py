from __future__ import annotations

from collections.abc import Iterator

import pytest

from terraform_provider_openai import masking


@pytest.fixture(autouse=True)
def _forget_registered_secrets() -> Iterator[None]:
    """Secrets registered by one test (the provider registers its key at configure) must not mask
    the diagnostics of the next."""
    masking.clear()
    yield
    masking.clear()
