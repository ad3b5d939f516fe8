"""``terraform-provider-openai serve``: run the local OpenAI-compatible server.

The first line on stdout is the base URL (``http://HOST:PORT/v1``), printed once the socket
listens. Starlette, sse-starlette and uvicorn come from the ``server`` extra and are imported here, lazily.

The key (optional) comes from ``--api-key``, else ``--api-key-file``, else the environment
variable ``LOCALSERVER_API_KEY``; the last two keep it out of the process list.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
from collections.abc import Mapping

API_KEY_ENV = "LOCALSERVER_API_KEY"

_MISSING_EXTRA = "The local server needs extra packages: pip install 'terraform-provider-openai[server]'"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="terraform-provider-openai serve",
        description="Run the OpenAI-compatible local server (chat completions, stored completions, Azure routes).",
        epilog=f"Environment: {API_KEY_ENV}=KEY sets the key when neither --api-key nor --api-key-file is "
        "given (an empty value is ignored). Prefer it or --api-key-file: a key given with --api-key is "
        "visible to every user of the machine in the process list (ps).",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="port to listen on (default 0: pick a free one)")
    p.add_argument(
        "--db",
        metavar="FILE",
        help="SQLite file keeping stored completions across restarts (default: memory)",
    )
    p.add_argument(
        "--latency-ms",
        type=float,
        default=0.0,
        metavar="N",
        help="delay every completion create by N ms (a streamed one: spread over its chunks)",
    )
    keys = p.add_mutually_exclusive_group()
    keys.add_argument(
        "--api-key",
        metavar="KEY",
        help="accept only this key on /v1, /openai and /_admin (except /_admin/health); others get "
        f"401 invalid_api_key. Visible in ps: prefer --api-key-file or {API_KEY_ENV}",
    )
    keys.add_argument(
        "--api-key-file",
        metavar="PATH",
        help="read the key from this file (one trailing newline is ignored)",
    )
    p.add_argument(
        "--fail-next", type=int, default=0, metavar="N", help="inject a fault into the next N API requests"
    )
    p.add_argument(
        "--fail-kind",
        default="500",
        metavar="KIND",
        help="fault for --fail-next: 429[:S], 500, 503, 500-after-store, timeout[:S], drop; a status or 500-after-store may end in /retry or /no-retry (x-should-retry)",
    )
    p.add_argument(
        "--log-level", default="warning", choices=["critical", "error", "warning", "info", "debug", "trace"]
    )
    p.add_argument(
        "--access-log",
        action="store_true",
        help="log every request to stdout (keys and api-key=... query values are masked as ***)",
    )
    return p


def _log_requests(level: str) -> None:
    """The server's own log (each API request at debug, bodies at trace) next to uvicorn's, in its
    format and at the same --log-level."""
    import logging

    from uvicorn.logging import DefaultFormatter

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(DefaultFormatter("%(levelprefix)s %(message)s", use_colors=False))
    logger = logging.getLogger("terraform_provider_openai.localserver")
    logger.addHandler(handler)
    logger.setLevel({"trace": 5}.get(level) or logging.getLevelName(level.upper()))
    logger.propagate = False


class UsageError(Exception):
    """A bad option value: reported on stderr with exit code 2."""


def resolve_api_key(args: argparse.Namespace, environ: Mapping[str, str]) -> str | None:
    """The key the server accepts: --api-key, else --api-key-file, else $LOCALSERVER_API_KEY."""
    key: str
    if args.api_key is not None:
        key, source = args.api_key, "--api-key"
    elif args.api_key_file is not None:
        source = "--api-key-file"
        try:
            with open(args.api_key_file, encoding="utf-8") as f:
                key = f.read()
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or exc.__class__.__name__
            raise UsageError(f"{source}: cannot read {args.api_key_file}: {reason}") from None
        key = key.removesuffix("\n").removesuffix("\r")
    elif environ.get(API_KEY_ENV):
        key, source = environ[API_KEY_ENV], API_KEY_ENV
    else:
        return None
    # Clients send the key in a header, whose value loses surrounding whitespace: such a key
    # could never match. Say so rather than start a server that refuses everything.
    if not key:
        raise UsageError(f"{source}: the key is empty")
    if key != key.strip() or any(c in key for c in "\r\n"):
        raise UsageError(f"{source}: the key has surrounding whitespace or a line break")
    return key


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP so asyncio turns on TCP_NODELAY for accepted connections (uvicorn writes
    # headers and body separately; with Nagle + delayed ACKs each answer would wait 40 ms).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    try:
        import jsonschema  # noqa: F401  (every request is validated against the vendored spec)
        import sse_starlette  # noqa: F401  (streamed answers)
        import starlette  # noqa: F401
        import uvicorn
    except ImportError:
        print(_MISSING_EXTRA, file=sys.stderr)
        return 1

    from terraform_provider_openai.localserver._faults import parse_fault
    from terraform_provider_openai.localserver._redact import install_log_redactor
    from terraform_provider_openai.localserver.app import ServerConfig, create_app

    if args.fail_next:
        try:
            parse_fault(args.fail_kind)
        except ValueError as exc:
            print(f"--fail-kind: {exc}", file=sys.stderr)
            return 2
    try:
        api_key = resolve_api_key(args, os.environ)
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return 2
    app = create_app(
        ServerConfig(
            db=args.db,
            api_key=api_key,
            latency_ms=args.latency_ms,
            fail_next=args.fail_next,
            fail_kind=args.fail_kind,
        )
    )
    try:
        sock = _listen(args.host, args.port)
    except OSError as exc:
        print(f"cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    port = sock.getsockname()[1]
    root = f"http://{_url_host(args.host)}:{port}"
    config = uvicorn.Config(
        app,
        lifespan="off",
        access_log=args.access_log,
        log_level=args.log_level,
        proxy_headers=False,
        server_header=False,
        timeout_graceful_shutdown=1,
        timeout_keep_alive=30,
    )
    _log_requests(args.log_level)
    # uvicorn.Config set up logging: from here on no handler writes the key or an api-key=... value.
    install_log_redactor([api_key])
    server = uvicorn.Server(config)

    # uvicorn re-raises a caught SIGINT/SIGTERM after its graceful shutdown: our handler makes that
    # a clean exit 0, and also covers a signal that arrives before uvicorn installs its own.
    def _stop(signum: int, frame: object) -> None:
        server.should_exit = True

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _stop)
    print(f"{root}/v1", flush=True)
    print(f"# OpenAI base_url: {root}/v1  Azure endpoint: {root}  admin: {root}/_admin/requests", flush=True)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        app.store.close()
    return 0
