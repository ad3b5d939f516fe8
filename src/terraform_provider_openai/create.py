"""Creating a chat completion: at most one answer per call, exactly one stored completion per
resource instance.

Without ``store`` nothing persists at the API, so the SDK's own retries are fine: a retry costs
tokens only. With ``store = true`` a blind retry of a request the API may already have stored
makes a duplicate nothing tracks, so :func:`create_stored` does the retries itself:

* every attempt carries the instance's create marker (:mod:`terraform_provider_openai.marker`);
* an answer that proves nothing was done (429, other 4xx, a connection that never opened) is
  retried after a backoff (429) or reported;
* an answer that leaves the outcome open (5xx, 408, 409, a timeout, a dropped connection) is
  followed by a lookup of the marker: what the API has is adopted (extra copies deleted), and
  only when nothing is there is the request sent again, with the same marker;
* the API's ``x-should-retry`` header, as the SDK reads it, decides whether the request is sent
  again (``true``: also after another 4xx; ``false``: never), and so does a ``Retry-After`` longer
  than :data:`MAX_RETRY_AFTER_S` (never); an open outcome is still looked up once;
* when retries run out, or Terraform asks the provider to stop and the grace period ends, the
  outcome is *uncertain*: the caller keeps the instance as a partial state carrying the marker.

Every call runs under the stop controller (:mod:`terraform_provider_openai.framework.stop`): a
call in flight when Terraform stops may finish within the grace period, and no new one starts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from terraform_provider_openai.client import APIClient
from terraform_provider_openai.errors import APIError, ProviderError, TransportError
from terraform_provider_openai.framework.stop import StopController, StopGraceExpired
from terraform_provider_openai.marker import CREATE_MARKER_KEY

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletion

#: Longest `Retry-After` honoured, in seconds, as the SDK honours it (its MAX_RETRY_AFTER_DELAY).
#: Longer: the SDK would retry after its own backoff; a create that may be stored is not sent again
#: against the API's wish, and the error is reported.
MAX_RETRY_AFTER_S = 120.0
#: Longest wait before the last look for what an uncertain attempt may have stored.
LAST_LOOK_WAIT_S = 1.0


class StopRequested(ProviderError):
    """Terraform asked the provider to stop before the request was sent."""

    def __init__(self) -> None:
        super().__init__(
            "Terraform asked the provider to stop (interrupt) before this completion was requested: "
            "nothing was sent to the API. Apply again to create it."
        )


class Interrupted(ProviderError):
    """Terraform asked the provider to stop and the API had not answered within the grace period."""

    def __init__(self, grace: float) -> None:
        super().__init__(
            f"Terraform asked the provider to stop (interrupt) and the API had not answered within "
            f"the grace period of {grace:g} s (TF_PROVIDER_OPENAI_STOP_GRACE)."
        )


@dataclass
class StoredCreate:
    """What :func:`create_stored` found out."""

    answer: ChatCompletion | None = None
    #: the answer was found by its marker after an uncertain attempt, not received
    adopted: bool = False
    #: an attempt's outcome stayed open: copies carrying the marker may still appear
    unsettled: bool = False
    #: the error that ended the create (with `answer` None)
    error: ProviderError | None = None
    #: the create failed but may have stored a completion (keep a partial state with the marker)
    uncertain: bool = False
    #: IDs of extra copies deleted, and of those that could not be deleted
    removed: list[str] = field(default_factory=list)
    not_removed: list[str] = field(default_factory=list)


def _uncertain(exc: ProviderError) -> bool:
    """Whether the API may have acted on a request that failed with `exc`."""
    if isinstance(exc, TransportError):
        return exc.sent
    if isinstance(exc, APIError):
        return exc.status >= 500 or exc.status in (408, 409)
    return False


def _retryable(exc: ProviderError) -> bool:
    """Whether the request may be sent again after `exc` (the SDK's rule, `x-should-retry` first)."""
    if isinstance(exc, TransportError):
        return True
    if isinstance(exc, APIError):
        if exc.should_retry is not None:
            return exc.should_retry
        return exc.status == 429 or _uncertain(exc)
    return False


def backoff(attempt: int, retry_after: float | None) -> float | None:
    """Seconds before retry number `attempt` (1-based), as the SDK waits; None: do not retry."""
    if retry_after is not None:
        return retry_after if retry_after <= MAX_RETRY_AFTER_S else None
    delay: float = min(0.5 * 2.0 ** (attempt - 1), 8.0)
    return delay * (1 - 0.25 * random.random())


def create_plain(client: APIClient, stop: StopController, body: dict[str, Any]) -> ChatCompletion:
    """A create that stores nothing: the SDK's retries; raises ProviderError."""
    if stop.stopping():
        raise StopRequested()
    try:
        return stop.run(lambda: client.create_chat_completion(body))
    except StopGraceExpired as exc:
        raise Interrupted(exc.grace) from None


def create_stored(client: APIClient, stop: StopController, body: dict[str, Any], marker: str) -> StoredCreate:
    """A create with ``store: true`` that leaves exactly one stored completion carrying `marker`,
    or reports the outcome as uncertain (see the module's docstring)."""
    body = {**body, "metadata": {**(body.get("metadata") or {}), CREATE_MARKER_KEY: marker}}
    result = StoredCreate()
    attempts = client.max_retries + 1
    for attempt in range(1, attempts + 1):
        if stop.stopping():
            result.error = result.error or StopRequested()
            break
        error: ProviderError
        try:
            result.answer = stop.run(lambda: client.create_chat_completion_once(body))
        except StopGraceExpired as exc:
            result.error, result.uncertain, result.unsettled = Interrupted(exc.grace), True, True
            return result
        except ProviderError as exc:
            error = exc
        except Exception as exc:  # noqa: BLE001 - e.g. a 200 whose body cannot be read: maybe stored
            error = TransportError(f"The API's answer could not be read: {type(exc).__name__}: {exc}")
        else:
            result.error = None
            result.unsettled, result.uncertain = result.uncertain, False
            _remove_copies(client, marker, result)
            return result
        result.error = error
        result.uncertain = result.uncertain or _uncertain(error)
        if isinstance(error, APIError):
            error.retries = attempt - 1
        resend = _retryable(error)
        delay = backoff(attempt, error.retry_after if isinstance(error, APIError) else None)
        if delay is None:  # the API asks for a longer wait than is honoured: report it
            resend = False
        if not resend and not result.uncertain:
            break
        last = attempt == attempts or not resend
        if last and not result.uncertain:
            break
        # before a last look at an open outcome, a short wait for the API to list what it stored
        wait = LAST_LOOK_WAIT_S if delay is None else min(delay, LAST_LOOK_WAIT_S) if last else delay
        if not stop.sleep(wait):
            break
        if result.uncertain:
            found = _lookup(client, stop, marker)
            if found is None:
                break  # the API cannot tell what it has: never send the create again blindly
            if found:
                _adopt(client, found, result)
                return result
        if not resend:
            break
    if result.uncertain and stop.stopping() and result.error is not None:
        # Ctrl-C during a backoff: one look within the grace period before giving up
        found = _lookup(client, stop, marker, tries=1)
        if found:
            _adopt(client, found, result)
            return result
        result.error = ProviderError(
            f"{result.error.detail()}\n\nTerraform asked the provider to stop (interrupt) before it "
            "could find out whether the API stored the completion."
        )
    if result.uncertain:
        result.unsettled = True
    return result


def _lookup(
    client: APIClient, stop: StopController, marker: str, tries: int = 3
) -> list[ChatCompletion] | None:
    """The stored completions carrying `marker`, oldest first; None when the API could not say."""
    for attempt in range(1, tries + 1):
        try:
            return stop.run(lambda: client.find_by_metadata(CREATE_MARKER_KEY, marker))
        except StopGraceExpired:
            return None
        except ProviderError:
            if attempt == tries or not stop.sleep(backoff(attempt, None) or 0.0):
                return None
    return None


def _adopt(client: APIClient, found: list[ChatCompletion], result: StoredCreate) -> None:
    """Keep the oldest copy the lookup found; delete the others."""
    result.answer, result.adopted, result.error = found[0], True, None
    result.unsettled, result.uncertain = True, False
    result.removed, result.not_removed = remove(client, [c.id for c in found[1:]])


def _remove_copies(client: APIClient, marker: str, result: StoredCreate) -> None:
    """After an answer that followed uncertain attempts: delete the other copies already listed."""
    if not result.unsettled or result.answer is None:
        return
    try:
        found = client.find_by_metadata(CREATE_MARKER_KEY, marker)
    except ProviderError:
        return
    removed, not_removed = remove(client, [c.id for c in found if c.id != result.answer.id])
    result.removed += removed
    result.not_removed += not_removed


def remove(client: APIClient, completion_ids: list[str]) -> tuple[list[str], list[str]]:
    """Delete these stored completions: (deleted or already gone, not deleted)."""
    removed: list[str] = []
    not_removed: list[str] = []
    for completion_id in completion_ids:
        try:
            client.delete_chat_completion(completion_id)
        except ProviderError:
            not_removed.append(completion_id)
        else:
            removed.append(completion_id)
    return removed, not_removed


def sweep(client: APIClient, marker: str, keep: str | None) -> tuple[list[str], list[str]]:
    """Delete every stored completion carrying `marker` but `keep`: (deleted, not deleted) IDs.
    Raises ProviderError when the lookup itself fails."""
    found = client.find_by_metadata(CREATE_MARKER_KEY, marker)
    return remove(client, [c.id for c in found if c.id != keep])
