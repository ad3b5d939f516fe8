"""An OpenAI-compatible local server for chat completions (``terraform-provider-openai serve``).

It answers deterministically from the request, stores completions (``store: true``), serves the
Azure OpenAI route shapes, records requests and injects faults. It needs the ``server`` extra
(Starlette, sse-starlette, uvicorn) and never imports the provider. See ``docs/local-server.md``.
"""
