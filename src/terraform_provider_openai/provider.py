"""The provider: its configuration schema, and configure -> one shared API client."""

from __future__ import annotations

import logging
import os
import re
from typing import Any
from urllib.parse import urlparse

from tf.schema import Schema
from tf.utils import Diagnostics

from terraform_provider_openai import PROVIDER_ADDRESS, masking
from terraform_provider_openai.framework.resource import (
    DataSourceBase,
    EphemeralResourceBase,
    ProviderDefaults,
    ResourceBase,
)
from terraform_provider_openai.framework.schema import attribute
from terraform_provider_openai.framework.types import Map, Number, String, Unknown

log = logging.getLogger(__name__)

_ENV = {
    "api_key": ("OPENAI_API_KEY",),
    "base_url": ("OPENAI_BASE_URL",),
    "organization": ("OPENAI_ORG_ID",),
    "project": ("OPENAI_PROJECT_ID",),
    "azure_endpoint": ("AZURE_OPENAI_ENDPOINT",),
    "api_version": ("OPENAI_API_VERSION",),
    "azure_ad_token": ("AZURE_OPENAI_AD_TOKEN",),
}

# RFC 9110 token: what an HTTP header name may be made of
_HEADER_NAME = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+")

_SCHEMA = Schema(
    attributes=[
        attribute(
            "api_key",
            String(),
            "API key. Defaults to the `OPENAI_API_KEY` environment variable (for Azure OpenAI also "
            "`AZURE_OPENAI_API_KEY`). Never stored in state or shown in plans.",
            optional=True,
            sensitive=True,
        ),
        attribute(
            "base_url",
            String(),
            "Base URL of the API, e.g. `http://127.0.0.1:8080/v1` for the local server or any "
            "OpenAI-compatible server. Defaults to `OPENAI_BASE_URL`, then OpenAI's.",
            optional=True,
        ),
        attribute(
            "organization", String(), "OpenAI organization ID. Defaults to `OPENAI_ORG_ID`.", optional=True
        ),
        attribute("project", String(), "OpenAI project ID. Defaults to `OPENAI_PROJECT_ID`.", optional=True),
        attribute(
            "default_headers",
            Map(String()),
            'Extra HTTP headers sent with every request, e.g. `{ "openai-event-code" = "..." }` for a proxy.',
            optional=True,
        ),
        attribute("timeout", Number(), "Seconds to wait for one API request (default 600).", optional=True),
        attribute(
            "max_retries",
            Number(),
            "How many times a request is retried on 408, 409, 429, 5xx, timeouts and connection "
            "errors, with exponential backoff honouring `Retry-After` (default 2).",
            optional=True,
        ),
        attribute(
            "azure_endpoint",
            String(),
            "Azure OpenAI endpoint, e.g. `https://my-resource.openai.azure.com`. Setting it uses the "
            "Azure OpenAI client. Defaults to `AZURE_OPENAI_ENDPOINT`.",
            optional=True,
        ),
        attribute(
            "api_version",
            String(),
            "Azure OpenAI API version, e.g. `2024-10-21` (stored completions need `2024-10-01-preview` "
            "or later). Defaults to `OPENAI_API_VERSION`.",
            optional=True,
        ),
        attribute(
            "azure_deployment",
            String(),
            "Azure OpenAI deployment. When unset, each resource's `model` names the deployment.",
            optional=True,
        ),
        attribute(
            "azure_ad_token",
            String(),
            "Microsoft Entra ID token for Azure OpenAI, instead of an API key. Defaults to `AZURE_OPENAI_AD_TOKEN`.",
            optional=True,
            sensitive=True,
        ),
    ],
    description="Generate, store and look up OpenAI chat completions.",
)


def _setting(config: dict[str, Any], name: str) -> Any:
    value = config.get(name)
    if value is None or value is Unknown:
        for env in _ENV.get(name, ()):
            if os.environ.get(env):
                return os.environ[env]
        return None
    return value


def _secret_problem(value: str) -> str | None:
    """Why a key or token (already trimmed) cannot go into an HTTP header; never shows the value."""
    if value == "":
        return "is empty (or only whitespace)"
    for char in value:
        if char.isspace():
            return f"contains whitespace inside it (U+{ord(char):04X})"
        if not " " < char < "\x7f":
            return f"contains a character that is not printable ASCII (U+{ord(char):04X})"
    return None


def _secret(diags: Diagnostics, config: dict[str, Any], name: str, envs: tuple[str, ...]) -> str | None:
    """A key or token from the attribute, else the first environment variable set, with surrounding
    whitespace removed (`file("key.txt")` keeps the file's final newline); an error diagnostic,
    naming the attribute but never the value, when what is left cannot be a key."""
    value, source = config.get(name), f"`{name}`"
    if value is None or value is Unknown:
        env = next((env for env in envs if os.environ.get(env)), None)
        if env is None:
            return None
        value, source = os.environ[env], f"`{name}` (from the {env} environment variable)"
    if not isinstance(value, str):
        return None
    trimmed = value.strip()
    problem = _secret_problem(trimmed)
    if problem is not None:
        masking.register(trimmed)
        diags.add_error(
            f"Invalid {name}",
            f"{source} {problem}. Keys and tokens are printable ASCII without spaces; surrounding "
            "whitespace (such as the newline `file()` keeps) is removed, but nothing inside them is. "
            "The value is not shown.",
            path=[name] if source == f"`{name}`" else None,
        )
        return None
    return trimmed


class OpenAIProvider(ProviderDefaults):
    """Implements `framework.resource.ProviderBase` (`tf.iface.Provider` with our resource classes)."""

    def __init__(self) -> None:
        self._client: Any = None

    def get_model_prefix(self) -> str:
        return "openai_"

    def full_name(self) -> str:
        return PROVIDER_ADDRESS

    def get_provider_schema(self, diags: Diagnostics) -> Schema:
        return _SCHEMA

    def get_resources(self) -> list[type[ResourceBase]]:
        from terraform_provider_openai.resources.chat_completion import ChatCompletionResource

        return [ChatCompletionResource]

    def get_data_sources(self) -> list[type[DataSourceBase]]:
        from terraform_provider_openai.data_sources import DATA_SOURCES

        return list(DATA_SOURCES)

    def get_ephemeral_resources(self) -> list[type[EphemeralResourceBase]]:
        from terraform_provider_openai.ephemeral_resources import EPHEMERAL_RESOURCES

        return list(EPHEMERAL_RESOURCES)

    # ---- configuration -----------------------------------------------------------------------
    def validate_config(self, diags: Diagnostics, config: dict[str, Any]) -> None:
        for name in ("base_url", "azure_endpoint"):
            value = config.get(name)
            if isinstance(value, str):
                parsed = urlparse(value)
                if parsed.scheme not in ("http", "https") or not parsed.netloc:
                    diags.add_error(
                        f"Invalid {name}",
                        f"{name} must be an http:// or https:// URL, got {value!r}.",
                        path=[name],
                    )
        timeout = config.get("timeout")
        if isinstance(timeout, int | float) and timeout <= 0:
            diags.add_error(
                "Invalid timeout",
                f"timeout must be a positive number of seconds, got {timeout}.",
                path=["timeout"],
            )
        retries = config.get("max_retries")
        if isinstance(retries, int | float) and (retries < 0 or not float(retries).is_integer()):
            diags.add_error(
                "Invalid max_retries",
                f"max_retries must be a whole number of 0 or more, got {retries}.",
                path=["max_retries"],
            )
        headers = config.get("default_headers")
        for header, value in (headers or {}).items() if isinstance(headers, dict) else ():
            if not _HEADER_NAME.fullmatch(header):
                diags.add_error(
                    "Invalid default_headers",
                    f"default_headers keys must be HTTP header names (letters, digits and !#$%&'*+-.^_`|~); got {header!r}.",
                    path=["default_headers"],
                )
            bad = (
                next((c for c in value if c != "\t" and (c < " " or c == "\x7f")), None)
                if isinstance(value, str)
                else None
            )
            if bad is not None:
                diags.add_error(
                    "Invalid default_headers",
                    f"default_headers[{header}] contains a control character (U+{ord(bad):04X}); a header value "
                    "cannot hold line breaks or control characters. The value is not shown.",
                    path=["default_headers"],
                )
        if isinstance(config.get("base_url"), str) and isinstance(config.get("azure_endpoint"), str):
            diags.add_error(
                "Conflicting base_url and azure_endpoint",
                "Set either base_url (OpenAI or an OpenAI-compatible server) or azure_endpoint (Azure OpenAI), not both.",
                path=["azure_endpoint"],
            )
        if (
            isinstance(config.get("azure_deployment"), str)
            and config.get("azure_endpoint") is None
            and not os.environ.get("AZURE_OPENAI_ENDPOINT")
        ):
            diags.add_error(
                "Missing azure_endpoint",
                "azure_deployment is only used with azure_endpoint.",
                path=["azure_deployment"],
            )

    def configure_provider(self, diags: Diagnostics, config: dict[str, Any]) -> None:
        from terraform_provider_openai.client import APIClient, ClientSettings

        azure_endpoint = _setting(config, "azure_endpoint")
        key_env = _ENV["api_key"] + (("AZURE_OPENAI_API_KEY",) if azure_endpoint else ())
        api_key = _secret(diags, config, "api_key", key_env)
        azure_ad_token = _secret(diags, config, "azure_ad_token", _ENV["azure_ad_token"])
        if diags.has_errors():
            return
        api_version = _setting(config, "api_version")
        if azure_endpoint and not api_version:
            diags.add_error(
                "Missing api_version",
                "Azure OpenAI needs an API version: set api_version in the provider block or OPENAI_API_VERSION.",
                path=["api_version"],
            )
            return
        headers = config.get("default_headers")
        timeout = config.get("timeout")
        retries = config.get("max_retries")
        settings = ClientSettings(
            api_key=api_key,
            base_url=None if azure_endpoint else _setting(config, "base_url"),
            organization=_setting(config, "organization"),
            project=_setting(config, "project"),
            default_headers={k: v for k, v in (headers or {}).items() if isinstance(v, str)}
            if isinstance(headers, dict)
            else {},
            timeout=float(timeout) if isinstance(timeout, int | float) else None,
            max_retries=int(retries) if isinstance(retries, int | float) else None,
            azure_endpoint=azure_endpoint,
            api_version=api_version,
            azure_deployment=config.get("azure_deployment")
            if isinstance(config.get("azure_deployment"), str)
            else None,
            azure_ad_token=azure_ad_token,
        )
        masking.register(*settings.secrets())
        self._client = APIClient(settings)
        if log.isEnabledFor(logging.INFO):
            _log_configured(settings)

    def api(self, diags: Diagnostics, summary: str) -> Any:
        """The shared API client, or None with an error diagnostic when it cannot be had."""
        from terraform_provider_openai.errors import ConfigurationError

        if self._client is None:
            diags.add_error(
                summary, "The provider is not configured (this is a bug in terraform-provider-openai)."
            )
            return None
        try:
            self._client.ensure_ready()
        except ConfigurationError as exc:
            diags.add_error(summary, exc.detail())
            return None
        return self._client


def _log_configured(settings: Any) -> None:
    """What the provider will talk to, never a key: where the API is, and which credential kind."""
    from terraform_provider_openai.framework.hclog import fields

    endpoint = settings.azure_endpoint or settings.base_url or "https://api.openai.com/v1"
    credential = "api key" if settings.api_key else "azure_ad_token" if settings.azure_ad_token else "none"
    log.info(
        "provider configured: API at %s (%s), credential: %s",
        endpoint,
        "Azure OpenAI" if settings.is_azure else "OpenAI",
        credential,
        extra=fields(
            endpoint=endpoint,
            azure=settings.is_azure,
            credential=credential,
            organization=settings.organization,
            project=settings.project,
            timeout_s=settings.timeout,
            max_retries=settings.max_retries,
            default_headers=",".join(sorted(settings.default_headers)) or None,
        ),
    )
