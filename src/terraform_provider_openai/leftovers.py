"""``terraform-provider-openai leftovers``: stored completions a provider created but no state tracks.

Every completion the provider stores carries a create marker in its metadata
(:mod:`terraform_provider_openai.marker`). Whatever the provider can clean up, it does; a provider
process killed outright (or an apply interrupted twice) can still leave a stored completion that
no state knows. This command lists the stored completions carrying a marker and, given the
states that should track them (``terraform state pull > state.json``), names those that none
does. ``--delete`` deletes those whose marker a given state knows (copies of a tracked instance);
``--delete --all`` also those whose marker no given state knows (they may be another workspace's).

The API is reached as the provider reaches it, from the same environment variables:
``OPENAI_API_KEY``, ``OPENAI_BASE_URL`` (or ``--base-url``), ``OPENAI_ORG_ID``,
``OPENAI_PROJECT_ID``; Azure OpenAI with ``AZURE_OPENAI_ENDPOINT`` (or ``--azure-endpoint``),
``OPENAI_API_VERSION`` (or ``--api-version``) and ``OPENAI_API_KEY``, ``AZURE_OPENAI_API_KEY`` or
``AZURE_OPENAI_AD_TOKEN``.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from terraform_provider_openai.marker import CREATE_MARKER_KEY, PRIVATE_MARKER, marker_of

if TYPE_CHECKING:
    from terraform_provider_openai.client import ClientSettings

RESOURCE_TYPE = "openai_chat_completion"
NO_STATE = "leftover (no state has its marker)"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="terraform-provider-openai leftovers",
        description="List (or delete) stored chat completions created by the provider that no Terraform "
        f"state tracks. They carry the metadata key {CREATE_MARKER_KEY!r}.",
    )
    p.add_argument(
        "--state",
        action="append",
        default=[],
        metavar="FILE",
        help="a Terraform state (terraform.tfstate, or the output of `terraform state pull`); "
        "repeat for several. Completions tracked by one of them are not leftovers.",
    )
    p.add_argument(
        "--delete",
        action="store_true",
        help="delete the leftovers whose marker one of the states knows: copies of a tracked instance "
        "(needs --state)",
    )
    p.add_argument(
        "--all",
        action="store_true",
        help="with --delete, also delete leftovers whose marker no given state knows (they may belong "
        "to a workspace whose state you did not pass)",
    )
    p.add_argument("--base-url", help="API base URL (default: OPENAI_BASE_URL, then OpenAI's)")
    p.add_argument(
        "--azure-endpoint",
        help="Azure OpenAI endpoint, https://<resource>.openai.azure.com (default: AZURE_OPENAI_ENDPOINT)",
    )
    p.add_argument("--api-version", help="Azure OpenAI API version (default: OPENAI_API_VERSION)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return p


def tracked_by(state: dict[str, Any]) -> tuple[set[str], set[str]]:
    """(completion IDs, create markers) of the `openai_chat_completion` instances in a state."""
    ids: set[str] = set()
    markers: set[str] = set()
    for resource in state.get("resources") or []:
        if resource.get("type") != RESOURCE_TYPE or resource.get("mode") != "managed":
            continue
        for instance in resource.get("instances") or []:
            completion_id = (instance.get("attributes") or {}).get("id")
            if completion_id:
                ids.add(completion_id)
            private = instance.get("private")
            if private:
                try:
                    marker = json.loads(base64.b64decode(private)).get(PRIVATE_MARKER)
                except (ValueError, AttributeError):
                    marker = None
                if isinstance(marker, str):
                    markers.add(marker)
    return ids, markers


def _env(*names: str) -> str | None:
    return next((os.environ[n].strip() for n in names if (os.environ.get(n) or "").strip()), None)


def _settings(args: argparse.Namespace) -> ClientSettings | str:
    """How to reach the API (OpenAI, or Azure OpenAI), as the provider's block would without
    arguments; a message when the options contradict each other."""
    from terraform_provider_openai.client import ClientSettings

    azure_endpoint = args.azure_endpoint or _env("AZURE_OPENAI_ENDPOINT")
    if azure_endpoint and args.base_url:
        azure = (
            "--azure-endpoint" if args.azure_endpoint else "AZURE_OPENAI_ENDPOINT (set in the environment)"
        )
        return f"--base-url (OpenAI or a compatible server) and {azure} (Azure OpenAI) both say where the API is: give one"
    organization, project = _env("OPENAI_ORG_ID"), _env("OPENAI_PROJECT_ID")
    if not azure_endpoint:
        return ClientSettings(
            api_key=_env("OPENAI_API_KEY"),
            base_url=args.base_url or _env("OPENAI_BASE_URL"),
            organization=organization,
            project=project,
        )
    api_version = args.api_version or _env("OPENAI_API_VERSION")
    if not api_version:
        return "Azure OpenAI needs an API version: --api-version or OPENAI_API_VERSION"
    return ClientSettings(
        api_key=_env("OPENAI_API_KEY", "AZURE_OPENAI_API_KEY"),
        organization=organization,
        project=project,
        azure_endpoint=azure_endpoint,
        api_version=api_version,
        azure_ad_token=_env("AZURE_OPENAI_AD_TOKEN"),
    )


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    if args.delete and not args.state:
        print(
            "--delete needs --state: without the states, every marked completion looks left over",
            file=sys.stderr,
        )
        return 2
    ids: set[str] = set()
    markers: set[str] = set()
    for path in args.state:
        try:
            state = json.loads(Path(path).read_text())
        except (OSError, ValueError) as exc:
            print(f"cannot read the state {path}: {exc}", file=sys.stderr)
            return 2
        more_ids, more_markers = tracked_by(state)
        ids |= more_ids
        markers |= more_markers

    from terraform_provider_openai.client import APIClient
    from terraform_provider_openai.errors import ProviderError

    settings = _settings(args)
    if isinstance(settings, str):
        print(settings, file=sys.stderr)
        return 2
    client = APIClient(settings)
    try:
        completions, _ = client.list_chat_completions(order="asc")
    except ProviderError as exc:
        print(f"cannot list stored completions: {exc.detail()}", file=sys.stderr)
        return 1
    rows: list[dict[str, Any]] = []
    for completion in completions:
        marker = marker_of(completion.metadata)
        if marker is None:
            continue
        status = "unknown"
        if args.state:
            status = "tracked" if completion.id in ids else "leftover"
            if status == "leftover" and marker not in markers:
                status = NO_STATE
        rows.append({"id": completion.id, "created": completion.created, "marker": marker, "status": status})

    failed = 0
    if args.delete:
        for row in rows:
            if row["status"] != "leftover" and not (args.all and row["status"] == NO_STATE):
                continue
            try:
                client.delete_chat_completion(row["id"])
                row["status"] = "deleted"
            except ProviderError as exc:
                row["status"] = f"not deleted: {exc.detail().splitlines()[0]}"
                failed += 1

    if args.json:
        print(json.dumps(rows, indent=2))
    elif not rows:
        print(f"No stored completion carries {CREATE_MARKER_KEY}.")
    else:
        for row in rows:
            print(f"{row['id']}  {row['marker']}  {row['status']}")
    return 1 if failed else 0
