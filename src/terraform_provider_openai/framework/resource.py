"""The resource and data source contract of this provider, on top of `tf.iface`.

`tf` calls ``plan`` only for updates and gives it no way to ask for a replacement; here ``plan`` is
called for creates too and sees the configuration and the replacement set, so a resource can keep
its rules (what replaces, what stays, what becomes unknown) next to its schema.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from tf.schema import Schema
from tf.utils import Diagnostics

State = dict[str, Any]


@dataclass
class Context:
    diagnostics: Diagnostics
    type_name: str
    # The instance's private state: JSON-able values Terraform keeps with the instance but never
    # shows (read from the request, written back into the response).
    private: dict[str, Any] = field(default_factory=dict, kw_only=True)


@dataclass
class PlanContext(Context):
    config: State
    changed_fields: set[str] = field(default_factory=set)
    # Attribute names whose change replaces the resource; pre-filled from `requires_replace` flags.
    requires_replace: set[str] = field(default_factory=set)


class _Typed:
    """What resources and data sources share: a type name, a schema, the provider."""

    name: ClassVar[str]

    def __init__(self, provider: Any):
        self.provider = provider

    @classmethod
    def get_name(cls) -> str:
        return cls.name

    @classmethod
    def get_schema(cls) -> Schema:
        raise NotImplementedError


class ResourceBase(_Typed):
    """Base of every resource: schema, then create/read/update/delete/import."""

    def validate(self, diags: Diagnostics, type_name: str, config: State) -> None:
        """Check the configuration; values may be Unknown (from other resources) and are then skipped."""

    def plan(self, ctx: PlanContext, prior: State | None, planned: State) -> State:
        return planned

    def create(self, ctx: Context, planned: State) -> State | None:
        """The new state. With error diagnostics, a returned state is kept as a partial (tainted)
        instance, so that what the failed create may have left behind stays tracked."""
        raise NotImplementedError

    def read(self, ctx: Context, current: State) -> State | None:
        return current

    def update(self, ctx: Context, prior: State, planned: State) -> State | None:
        return planned

    def delete(self, ctx: Context, current: State) -> None:
        return None

    def import_(self, ctx: Context, id: str) -> State | None:
        ctx.diagnostics.add_error(f"{ctx.type_name} cannot be imported")
        return None

    def upgrade(self, ctx: Context, version: int, old: State) -> State:
        """Bring state written by an older schema version up to date (missing attributes are null)."""
        return old


class DataSourceBase(_Typed):
    """Base of every data source: schema, then read."""

    def validate(self, diags: Diagnostics, type_name: str, config: State) -> None:
        """Check the configuration; values may be Unknown and are then skipped."""

    def read(self, ctx: Context, config: State) -> State | None:
        raise NotImplementedError


class EphemeralResourceBase(_Typed):
    """Base of every ephemeral resource (Terraform 1.10+): schema, then validate/open/renew/close.

    Terraform opens one whenever a plan or an apply needs its value and never writes the result to
    state or plan files. Nothing here is kept between calls but ``ctx.private``, which Terraform
    hands to ``renew`` and ``close``."""

    def validate(self, diags: Diagnostics, type_name: str, config: State) -> None:
        """Check the configuration; values may be Unknown and are then skipped."""

    def open(self, ctx: Context, config: State) -> State | None:
        """The result: the configuration with the computed attributes filled in."""
        raise NotImplementedError

    def renew(self, ctx: Context) -> None:
        """Extend what ``open`` made; called only when ``open`` asked for it (none of ours does)."""

    def close(self, ctx: Context) -> None:
        """Release what ``open`` made, once Terraform no longer needs it."""


class ProviderBase(Protocol):
    """What the servicer needs of a provider: `tf.iface.Provider`, with this package's resource and
    data source classes (`tf`'s protocol names its own, whose methods take other contexts)."""

    def get_model_prefix(self) -> str: ...

    def get_provider_schema(self, diags: Diagnostics) -> Schema: ...

    def validate_config(self, diags: Diagnostics, config: State) -> None: ...

    def configure_provider(self, diags: Diagnostics, config: State) -> None: ...

    def get_resources(self) -> list[type[ResourceBase]]: ...

    def get_data_sources(self) -> list[type[DataSourceBase]]: ...

    def new_resource(self, klass: type[ResourceBase]) -> ResourceBase: ...

    def new_data_source(self, klass: type[DataSourceBase]) -> DataSourceBase: ...

    def get_ephemeral_resources(self) -> list[type[EphemeralResourceBase]]: ...

    def new_ephemeral_resource(self, klass: type[EphemeralResourceBase]) -> EphemeralResourceBase: ...


class ProviderDefaults:
    """What every provider of this framework does alike: classes are made with the provider, and a
    provider without data sources, ephemeral resources or functions says so. A provider subclasses
    it and overrides what it has (`ProviderBase` says what the servicer needs)."""

    def get_data_sources(self) -> list[type[DataSourceBase]]:
        return []

    def get_ephemeral_resources(self) -> list[type[EphemeralResourceBase]]:
        return []

    def get_functions(self) -> list[Any]:
        return []

    def new_resource(self, klass: type[ResourceBase]) -> ResourceBase:
        return klass(self)

    def new_data_source(self, klass: type[DataSourceBase]) -> DataSourceBase:
        return klass(self)

    def new_ephemeral_resource(self, klass: type[EphemeralResourceBase]) -> EphemeralResourceBase:
        return klass(self)
