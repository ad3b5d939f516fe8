"""`tf`'s Diagnostics, sent as the tfplugin6.8 messages of `framework/gen`.

Resources and data sources keep writing `tf.utils.Diagnostics` (``add_error``/``add_warning``); the
servicer hands them this subclass, whose ``to_pb`` builds the messages its responses are made of.
`tf`'s own ``to_pb`` builds `tf`'s older generated messages, which a tfplugin6.8 response refuses
("Parameter to MergeFrom() must be instance of same class").
"""

from __future__ import annotations

from tf.utils import Diagnostic, Diagnostics

from terraform_provider_openai.framework.gen import tfplugin6_8_pb2 as pb

_SEVERITY = {
    Diagnostic.ERROR: pb.Diagnostic.ERROR,
    Diagnostic.WARNING: pb.Diagnostic.WARNING,
    Diagnostic.INVALID: pb.Diagnostic.INVALID,
}


def _step(step: str | tuple[str | int]) -> pb.AttributePath.Step:
    """An attribute name, or ``(key,)``/``(index,)`` for a map or list element (as in `tf`)."""
    if isinstance(step, tuple):
        key = step[0]
        if isinstance(key, str):
            return pb.AttributePath.Step(element_key_string=key)
        return pb.AttributePath.Step(element_key_int=key)
    return pb.AttributePath.Step(attribute_name=step)


def diagnostic_pb(diagnostic: Diagnostic) -> pb.Diagnostic:
    message = pb.Diagnostic(
        severity=_SEVERITY[diagnostic.severity],
        summary=diagnostic.summary,
        detail=diagnostic.detail or "",
    )
    if diagnostic.path:
        message.attribute.steps.extend(_step(step) for step in diagnostic.path)
    return message


class WireDiagnostics(Diagnostics):
    """Diagnostics whose ``to_pb`` gives `framework/gen`'s messages (see the module docstring)."""

    def to_pb(self) -> list[pb.Diagnostic]:  # tf's is unannotated: it returns tf's messages
        return [diagnostic_pb(d) for d in self.diagnostics]
