"""The gRPC servicer of tfplugin6.8 (``framework/gen``), in place of `tf`'s tfplugin6 one.

What changes compared with ``tf.provider.ProviderServicer``:

* protocol 6.8 (Terraform 1.11): ephemeral resources are served; the calls this provider does not
  implement answer as a Go provider without them does (no functions, no moves);

* every state sent to Terraform carries every attribute of the schema (nested objects too), for
  resources, imports, upgrades and data sources alike;
* numbers, objects and lists go through this package's types (exact decimals, nested unknowns);
* ``plan`` runs for creates as well as updates, with the configuration and a replacement set;
* destroy plans (``plan_destroy``) are accepted;
* a failed create returns no state unless the resource hands back a partial one (kept tainted),
  a failed update or delete keeps the prior state;
* private state is a JSON object the resource reads and writes through its context;
* an unexpected exception becomes an error diagnostic instead of "Plugin error".
"""

from __future__ import annotations

import functools
import json
import logging
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

import grpc
import msgpack
from tf.types import Unknown

from terraform_provider_openai.framework.diagnostics import WireDiagnostics as Diagnostics
from terraform_provider_openai.framework.gen import tfplugin6_8_pb2 as pb
from terraform_provider_openai.framework.gen.tfplugin6_8_pb2_grpc import (
    ProviderServicer as _GeneratedProviderServicer,
)
from terraform_provider_openai.framework.resource import (
    Context,
    DataSourceBase,
    EphemeralResourceBase,
    PlanContext,
    ProviderBase,
    ResourceBase,
)
from terraform_provider_openai.framework.schema import decode_state, encode_state, schema_to_wire
from terraform_provider_openai.framework.statecheck import state_problems
from terraform_provider_openai.framework.types import Number

log = logging.getLogger(__name__)

R = TypeVar("R")


#: What GetMetadata advertises (as `tf` did): destroy plans, and a schema Terraform may cache. Not
#: `move_resource_state`: no resource accepts state moved from another type.
_CAPABILITIES = pb.ServerCapabilities(plan_destroy=True, get_provider_schema_optional=True)
#: No provider_meta attributes: an empty schema, as `tf` sent it.
_EMPTY_SCHEMA = pb.Schema(version=0, block=pb.Schema.Block(version=0))


def _msgpack_default(obj: Any) -> Any:
    if obj is Unknown:
        return msgpack.ExtType(0, b"\x00")
    raise TypeError(f"cannot encode {type(obj).__name__}")


# cty's msgpack extension types for an unknown value: 0 (plain) and 12 (an unknown with
# refinements such as "not null" or a string prefix, Terraform 1.6+). `tf` only knows the first, so
# an unknown refined by Terraform (e.g. `jsonencode()` of an unknown) reached the provider as a raw
# ExtType and broke validation.
_UNKNOWN_EXT_CODES = (0, 12)


def _ext_hook(code: int, data: bytes) -> Any:
    if code in _UNKNOWN_EXT_CODES:
        return Unknown
    return msgpack.ExtType(code, data)


def read_dynamic_value(value: pb.DynamicValue) -> Any:
    """A DynamicValue as Python values, every kind of unknown as `Unknown`."""
    if value.json:
        return json.loads(value.json)
    if value.msgpack:
        return msgpack.unpackb(value.msgpack, ext_hook=_ext_hook)
    return None


def attribute_path(name: str) -> pb.AttributePath:
    """The path of a top-level attribute (what `tf.utils._to_attribute_path` does, without private API)."""
    return pb.AttributePath(steps=[pb.AttributePath.Step(attribute_name=name)])


def to_dynamic_value(value: Any) -> pb.DynamicValue:
    """Always msgpack, also for null (an empty DynamicValue is not a cty null)."""
    return pb.DynamicValue(msgpack=msgpack.packb(value, default=_msgpack_default))


def read_private(raw: bytes) -> dict[str, Any]:
    """Private state as this provider writes it (a JSON object); anything else reads as empty."""
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def to_private(value: dict[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), sort_keys=True).encode() if value else b""


def _mask_diagnostics(response: R) -> R:
    """Every secret masked in every diagnostic of a response, whoever wrote it."""
    from terraform_provider_openai.masking import mask

    for diag in getattr(response, "diagnostics", ()):
        diag.summary, diag.detail = mask(diag.summary), mask(diag.detail)
    return response


def _guard(response: Callable[..., R]) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """Turn an unexpected exception into an error diagnostic in the method's response type, and
    mask secrets in every diagnostic the method returns."""

    def decorator(method: Callable[..., R]) -> Callable[..., R]:
        @functools.wraps(method)
        def wrapper(self: Any, request: Any, context: grpc.ServicerContext) -> R:
            try:
                return _mask_diagnostics(method(self, request, context))
            except Exception as exc:  # noqa: BLE001 - the whole point
                log.error("unexpected error in %s: %s", method.__name__, traceback.format_exc())
                diags = Diagnostics()
                diags.add_error(
                    "Unexpected Provider Error",
                    f"The provider failed in {method.__name__}: {type(exc).__name__}: {exc}. "
                    "This is a bug in terraform-provider-openai; please report it.",
                )
                return _mask_diagnostics(response(diagnostics=diags.to_pb()))

        return wrapper

    return decorator


class ProviderServicer(_GeneratedProviderServicer):
    """Every call of tfplugin6.8; the generated base answers UNIMPLEMENTED only for a call missing
    here (none is)."""

    def __init__(self, provider: ProviderBase) -> None:
        self.provider = provider

    def preload(self) -> None:
        """Import the resource, data source and ephemeral resource classes now (the runner's loading
        thread calls this right after the handshake) instead of on the first call that needs them."""
        for table in ("_resources", "_data_sources", "_ephemeral_resources"):
            getattr(self, table)

    @functools.cached_property
    def _resources(self) -> dict[str, type[ResourceBase]]:
        prefix = self.provider.get_model_prefix()
        return {prefix + klass.get_name(): klass for klass in self.provider.get_resources()}

    @functools.cached_property
    def _data_sources(self) -> dict[str, type[DataSourceBase]]:
        prefix = self.provider.get_model_prefix()
        return {prefix + klass.get_name(): klass for klass in self.provider.get_data_sources()}

    # ----------------- Provider ----------------- #
    @_guard(pb.ValidateProviderConfig.Response)
    def ValidateProviderConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        diags = Diagnostics()
        config = (
            decode_state(self.provider.get_provider_schema(diags), read_dynamic_value(request.config)) or {}
        )
        self.provider.validate_config(diags, config)
        return pb.ValidateProviderConfig.Response(diagnostics=diags.to_pb())

    @_guard(pb.ConfigureProvider.Response)
    def ConfigureProvider(self, request: Any, context: grpc.ServicerContext) -> Any:
        diags = Diagnostics()
        config = (
            decode_state(self.provider.get_provider_schema(diags), read_dynamic_value(request.config)) or {}
        )
        self.provider.configure_provider(diags, config)
        return pb.ConfigureProvider.Response(diagnostics=diags.to_pb())

    def StopProvider(self, request: Any, context: grpc.ServicerContext) -> Any:
        """Terraform's first Ctrl-C: record the stop and answer at once. The server goes on, and so
        do the calls in flight; only go-plugin's Shutdown ends the server (see `runner`)."""
        from terraform_provider_openai.framework import stop

        stop.request_stop()
        log.info("StopProvider: stop recorded; the calls in flight go on")
        return pb.StopProvider.Response()

    # ----------------- Validation ----------------- #
    @_guard(pb.ValidateResourceConfig.Response)
    def ValidateResourceConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        klass = self._resources[request.type_name]
        diags = Diagnostics()
        config = decode_state(klass.get_schema(), read_dynamic_value(request.config)) or {}
        self.provider.new_resource(klass).validate(diags, request.type_name, config)
        return pb.ValidateResourceConfig.Response(diagnostics=diags.to_pb())

    @_guard(pb.ValidateDataResourceConfig.Response)
    def ValidateDataResourceConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        klass = self._data_sources[request.type_name]
        diags = Diagnostics()
        config = decode_state(klass.get_schema(), read_dynamic_value(request.config)) or {}
        self.provider.new_data_source(klass).validate(diags, request.type_name, config)
        return pb.ValidateDataResourceConfig.Response(diagnostics=diags.to_pb())

    # ----------------- Resource lifecycle ----------------- #
    @_guard(pb.UpgradeResourceState.Response)
    def UpgradeResourceState(self, request: Any, context: grpc.ServicerContext) -> Any:
        diags = Diagnostics()
        klass = self._resources[request.type_name]
        schema = klass.get_schema()
        problems: list[str] = []
        try:
            if request.raw_state.json:
                # numbers as Number decodes them: a decimal a float cannot hold stays exact
                old = json.loads(request.raw_state.json, parse_float=Number().decode)
            else:  # flatmap state only comes from SDKv1-era providers; there is none of ours
                old = dict(request.raw_state.flatmap)
        except ValueError as exc:
            old, problems = None, [f"the state is not valid JSON: {exc}"]
        current_version = schema.version or 0
        if old is not None and request.version < current_version:
            old = self.provider.new_resource(klass).upgrade(
                Context(diags, request.type_name), request.version, old
            )
        if old is not None:
            problems = state_problems(schema, old)
        if problems:
            diags.add_error(
                f"Invalid State for {request.type_name}",
                f"The stored state of this {request.type_name} (schema version {request.version}) does "
                "not match the resource's schema; was terraform.tfstate edited by hand?\n"
                + "\n".join(f"- {p}" for p in problems)
                + "\n\nRestore the state from a backup (terraform.tfstate.backup, or an earlier version "
                "kept by your backend), correct the values, or remove the instance with "
                "`terraform state rm <address>` (a stored completion can then be imported again).",
            )
            return pb.UpgradeResourceState.Response(diagnostics=diags.to_pb())
        state = decode_state(schema, old)
        return pb.UpgradeResourceState.Response(
            upgraded_state=to_dynamic_value(encode_state(schema, state)), diagnostics=diags.to_pb()
        )

    @_guard(pb.ReadResource.Response)
    def ReadResource(self, request: Any, context: grpc.ServicerContext) -> Any:
        diags = Diagnostics()
        klass = self._resources[request.type_name]
        schema = klass.get_schema()
        current = decode_state(schema, read_dynamic_value(request.current_state))
        if current is None:
            return pb.ReadResource.Response(new_state=request.current_state, private=request.private)
        ctx = Context(diags, request.type_name, private=read_private(request.private))
        new_state = self.provider.new_resource(klass).read(ctx, current)
        if diags.has_errors() and new_state is None:
            new_state = current
        return pb.ReadResource.Response(
            new_state=to_dynamic_value(encode_state(schema, new_state)),
            diagnostics=diags.to_pb(),
            private=to_private(ctx.private),
        )

    @_guard(pb.PlanResourceChange.Response)
    def PlanResourceChange(self, request: Any, context: grpc.ServicerContext) -> Any:
        diags = Diagnostics()
        type_name = request.type_name
        klass = self._resources[type_name]
        schema = klass.get_schema()
        prior = decode_state(schema, read_dynamic_value(request.prior_state))
        proposed = decode_state(schema, read_dynamic_value(request.proposed_new_state))
        config = decode_state(schema, read_dynamic_value(request.config)) or {}

        if proposed is None:  # destroy plan: the private state goes on to the delete
            return pb.PlanResourceChange.Response(
                planned_state=to_dynamic_value(None), planned_private=request.prior_private
            )

        attrs = {a.name: a for a in schema.attributes}
        planned = dict(proposed)
        changed: set[str] = set()
        replace: set[str] = set()
        if prior is None:
            for name, attr in attrs.items():
                if attr.computed and config.get(name) is None:
                    planned[name] = Unknown
        else:
            changed = {
                name
                for name, attr in attrs.items()
                if not attr.type.semantically_equal(prior.get(name), proposed.get(name))
            }
            replace = {name for name in changed if attrs[name].requires_replace}

        ctx = PlanContext(diags, type_name, config=config, changed_fields=changed, requires_replace=replace)
        planned = self.provider.new_resource(klass).plan(ctx, prior, planned)
        return pb.PlanResourceChange.Response(
            planned_state=to_dynamic_value(encode_state(schema, planned)),
            requires_replace=[attribute_path(name) for name in sorted(ctx.requires_replace)],
            planned_private=request.prior_private,
            diagnostics=diags.to_pb(),
        )

    @_guard(pb.ApplyResourceChange.Response)
    def ApplyResourceChange(self, request: Any, context: grpc.ServicerContext) -> Any:
        diags = Diagnostics()
        type_name = request.type_name
        klass = self._resources[type_name]
        schema = klass.get_schema()
        prior = decode_state(schema, read_dynamic_value(request.prior_state))
        planned = decode_state(schema, read_dynamic_value(request.planned_state))
        inst = self.provider.new_resource(klass)
        ctx = Context(diags, type_name, private=read_private(request.planned_private))

        new_state: dict[str, Any] | None
        if prior is None and planned is not None:
            # with errors, a returned state is a partial one: Terraform keeps it, tainted
            new_state = inst.create(ctx, planned)
        elif planned is None and prior is not None:
            inst.delete(ctx, prior)
            new_state = prior if diags.has_errors() else None
        elif prior is not None and planned is not None:
            new_state = inst.update(ctx, prior, planned)
            if diags.has_errors() or new_state is None:
                new_state = prior
        else:
            new_state = None

        return pb.ApplyResourceChange.Response(
            new_state=to_dynamic_value(encode_state(schema, new_state)),
            private=to_private(ctx.private) if new_state is not None else b"",
            diagnostics=diags.to_pb(),
        )

    @_guard(pb.ImportResourceState.Response)
    def ImportResourceState(self, request: Any, context: grpc.ServicerContext) -> Any:
        diags = Diagnostics()
        klass = self._resources[request.type_name]
        schema = klass.get_schema()
        ctx = Context(diags, request.type_name)
        state = self.provider.new_resource(klass).import_(ctx, request.id)
        imported = []
        if state is not None and not diags.has_errors():
            imported.append(
                pb.ImportResourceState.ImportedResource(
                    type_name=request.type_name,
                    state=to_dynamic_value(encode_state(schema, state)),
                    private=to_private(ctx.private),
                )
            )
        return pb.ImportResourceState.Response(imported_resources=imported, diagnostics=diags.to_pb())

    # ----------------- Data sources ----------------- #
    @_guard(pb.ReadDataSource.Response)
    def ReadDataSource(self, request: Any, context: grpc.ServicerContext) -> Any:
        diags = Diagnostics()
        klass = self._data_sources[request.type_name]
        schema = klass.get_schema()
        config = decode_state(schema, read_dynamic_value(request.config)) or {}
        state = self.provider.new_data_source(klass).read(Context(diags, request.type_name), config)
        if diags.has_errors():
            state = None
        return pb.ReadDataSource.Response(
            state=to_dynamic_value(encode_state(schema, state)), diagnostics=diags.to_pb()
        )

    # ----------------- Metadata and schemas ----------------- #
    @functools.cached_property
    def _ephemeral_resources(self) -> dict[str, type[EphemeralResourceBase]]:
        prefix = self.provider.get_model_prefix()
        return {prefix + klass.get_name(): klass for klass in self.provider.get_ephemeral_resources()}

    @_guard(pb.GetMetadata.Response)
    def GetMetadata(self, request: Any, context: grpc.ServicerContext) -> Any:
        return pb.GetMetadata.Response(
            server_capabilities=_CAPABILITIES,
            resources=[pb.GetMetadata.ResourceMetadata(type_name=name) for name in self._resources],
            data_sources=[pb.GetMetadata.DataSourceMetadata(type_name=name) for name in self._data_sources],
            ephemeral_resources=[
                pb.GetMetadata.EphemeralMetadata(type_name=name) for name in self._ephemeral_resources
            ],
        )

    @functools.cached_property
    def _type_schemas(self) -> dict[str, dict[str, pb.Schema]]:
        """Resource, data source and ephemeral resource schemas, made once per process (as `tf` did)."""
        kinds: dict[str, dict[str, Any]] = {
            "resource_schemas": self._resources,
            "data_source_schemas": self._data_sources,
            "ephemeral_resource_schemas": self._ephemeral_resources,
        }
        return {
            kind: {name: schema_to_wire(klass.get_schema()) for name, klass in classes.items()}
            for kind, classes in kinds.items()
        }

    @_guard(pb.GetProviderSchema.Response)
    def GetProviderSchema(self, request: Any, context: grpc.ServicerContext) -> Any:
        # The capabilities go here too: Terraform reads them from this answer, not from GetMetadata's
        # (`tf` sent none). With get_provider_schema_optional Terraform keeps the schema for the
        # whole command, and the second and third provider process of a plan are not asked again.
        diags = Diagnostics()
        provider = schema_to_wire(self.provider.get_provider_schema(diags))
        return pb.GetProviderSchema.Response(
            provider=provider,
            provider_meta=_EMPTY_SCHEMA,
            diagnostics=diags.to_pb(),
            server_capabilities=_CAPABILITIES,
            **self._type_schemas,
        )

    # ----------------- Calls this provider has nothing for ----------------- #
    # As a Go provider (terraform-plugin-go) without functions or state moves answers them: with an
    # empty list or an error naming the call, never gRPC's UNIMPLEMENTED.
    @_guard(pb.GetFunctions.Response)
    def GetFunctions(self, request: Any, context: grpc.ServicerContext) -> Any:
        return pb.GetFunctions.Response()

    def CallFunction(self, request: Any, context: grpc.ServicerContext) -> Any:
        return pb.CallFunction.Response(
            error=pb.FunctionError(
                text=f"Function Not Found: terraform-provider-openai defines no function named {request.name!r}."
            )
        )

    @_guard(pb.MoveResourceState.Response)
    def MoveResourceState(self, request: Any, context: grpc.ServicerContext) -> Any:
        diags = Diagnostics()
        diags.add_error(
            "Unable to Move Resource State",
            f"{request.target_type_name} does not accept state moved from another resource type "
            f"({request.source_type_name} of {request.source_provider_address}). Remove the `moved` "
            "block and import the instance instead.",
        )
        return pb.MoveResourceState.Response(diagnostics=diags.to_pb())

    # ----------------- Ephemeral resources (Terraform 1.10+) ----------------- #
    @_guard(pb.ValidateEphemeralResourceConfig.Response)
    def ValidateEphemeralResourceConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        klass = self._ephemeral_resources[request.type_name]
        diags = Diagnostics()
        config = decode_state(klass.get_schema(), read_dynamic_value(request.config)) or {}
        self.provider.new_ephemeral_resource(klass).validate(diags, request.type_name, config)
        return pb.ValidateEphemeralResourceConfig.Response(diagnostics=diags.to_pb())

    @_guard(pb.OpenEphemeralResource.Response)
    def OpenEphemeralResource(self, request: Any, context: grpc.ServicerContext) -> Any:
        """The result carries every attribute of the schema; with errors it is null. Never written
        to state or plan by Terraform."""
        diags = Diagnostics()
        klass = self._ephemeral_resources[request.type_name]
        schema = klass.get_schema()
        config = decode_state(schema, read_dynamic_value(request.config)) or {}
        ctx = Context(diags, request.type_name)
        result = self.provider.new_ephemeral_resource(klass).open(ctx, config)
        if diags.has_errors():
            result = None
        response = pb.OpenEphemeralResource.Response(
            result=to_dynamic_value(encode_state(schema, result)), diagnostics=diags.to_pb()
        )
        if ctx.private:
            response.private = to_private(ctx.private)
        return response

    @_guard(pb.RenewEphemeralResource.Response)
    def RenewEphemeralResource(self, request: Any, context: grpc.ServicerContext) -> Any:
        diags = Diagnostics()
        klass = self._ephemeral_resources[request.type_name]
        ctx = Context(diags, request.type_name, private=read_private(request.private))
        self.provider.new_ephemeral_resource(klass).renew(ctx)
        response = pb.RenewEphemeralResource.Response(diagnostics=diags.to_pb())
        if ctx.private:
            response.private = to_private(ctx.private)
        return response

    @_guard(pb.CloseEphemeralResource.Response)
    def CloseEphemeralResource(self, request: Any, context: grpc.ServicerContext) -> Any:
        diags = Diagnostics()
        klass = self._ephemeral_resources[request.type_name]
        ctx = Context(diags, request.type_name, private=read_private(request.private))
        self.provider.new_ephemeral_resource(klass).close(ctx)
        return pb.CloseEphemeralResource.Response(diagnostics=diags.to_pb())
