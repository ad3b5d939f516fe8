"""Entry point of the `terraform-provider-openai` console script.

Run by Terraform (``TF_PLUGIN_MAGIC_COOKIE`` set) it serves the plugin and ignores SIGINT (Terraform
handles Ctrl-C and asks for a graceful stop). Subcommands:

* ``install [--dir DIR]``: put the provider where Terraform finds it by itself.
* ``serve [...]``: start the local OpenAI-compatible server (needs the ``server`` extra).
* ``leftovers [--state FILE] [--delete]``: stored completions the provider created that no state tracks.
* ``version``: print the version.

Imports are deferred so that the plugin reaches its handshake quickly.

The self-contained package (``make dist``, a PyInstaller build: ``sys.frozen`` is set) holds the
plugin and ``leftovers`` only: ``serve`` and ``install`` need the pip-installed package.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from terraform_provider_openai.framework.resource import ProviderBase

_MAGIC_COOKIE_KEY = "TF_PLUGIN_MAGIC_COOKIE"

_USAGE = """\
terraform-provider-openai: a Terraform provider for OpenAI chat completions.

This program is a Terraform plugin: Terraform starts it. Commands for people:

  terraform-provider-openai install [--dir DIR]   make the provider available to `terraform init`
  terraform-provider-openai serve [--port 0] ...  start the local OpenAI-compatible server
  terraform-provider-openai leftovers --state F   stored completions no state tracks (--delete them)
  terraform-provider-openai version               print the version
"""


_PEOPLE_COMMANDS = ("serve", "install", "leftovers", "version", "--version", "-h", "--help", "help")
#: Commands the self-contained package leaves out (the local server; the launcher for a pip install).
_NOT_PACKAGED = ("serve", "install")


def _frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def _restore_library_path() -> None:
    """PyInstaller's bootloader points ``LD_LIBRARY_PATH`` at the bundled libraries, keeping the
    caller's value in ``LD_LIBRARY_PATH_ORIG``: put it back, so that no program started from here
    loads the bundled OpenSSL or libstdc++ instead of its own."""
    original = os.environ.pop("LD_LIBRARY_PATH_ORIG", None)
    if original is None:
        os.environ.pop("LD_LIBRARY_PATH", None)
    else:
        os.environ["LD_LIBRARY_PATH"] = original


def _plugin_mode(args: list[str]) -> bool:
    """Started by Terraform (go-plugin): the magic cookie is set and no command for people is given."""
    return (
        bool(os.environ.get(_MAGIC_COOKIE_KEY))
        and (not args or args[0] not in _PEOPLE_COMMANDS)
        and "--dev" not in args
    )


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if _plugin_mode(args):
        # First thing, before any heavy import: a Ctrl-C in the terminal reaches Terraform *and*
        # the provider (one process group). Like go-plugin, the provider ignores it: Terraform
        # answers the Ctrl-C with StopProvider and waits for the calls in flight, which a
        # KeyboardInterrupt would kill. SIG_IGN is process-wide and inherited by children.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        # The start-up's imports make objects that live as long as the process, and the cyclic
        # collector kept scanning them (~8% of the time to the handshake). It is off until the
        # provider has loaded; then those objects are frozen and it is back on (framework/heap.py).
        gc.disable()
    command = args[0] if args else ""
    if _frozen():
        _restore_library_path()
        if command in _NOT_PACKAGED:
            print(
                f"terraform-provider-openai {command}: not part of this self-contained package; "
                "it comes with the Python package: pip install 'terraform-provider-openai[server]'",
                file=sys.stderr,
            )
            return 1

    if command == "serve":
        from terraform_provider_openai.localserver.cli import main as serve_main

        return serve_main(args[1:])
    if command == "install":
        from terraform_provider_openai.install import main as install_main

        return install_main(args[1:])
    if command == "leftovers":
        from terraform_provider_openai.leftovers import main as leftovers_main

        return leftovers_main(args[1:])
    if command in ("version", "--version"):
        from terraform_provider_openai import __version__

        print(__version__)
        return 0
    if command in ("-h", "--help", "help") or (not os.environ.get(_MAGIC_COOKIE_KEY) and "--dev" not in args):
        print(_USAGE, end="")
        return 0 if command in ("-h", "--help", "help") else 1

    from terraform_provider_openai.framework.runner import run_provider

    parent = os.getppid()
    code = run_provider(_provider, args)
    if _plugin_mode(args) and os.getppid() == parent:
        _exit_now(code)
    # Terraform is gone (killed outright): the interpreter's teardown waits for calls still running,
    # such as a stored create deleting the extra copies it found at the API
    return code


def _exit_now(code: int) -> None:
    """End the plugin without the interpreter's teardown (~30 ms of module and thread clean-up, paid
    by every one of the three to five provider processes of a Terraform command). Only once
    Terraform has sent Shutdown, which it does after its last call has answered: the gRPC server
    has stopped and Terraform waits only for the process to end. Buffered log lines go out first."""
    import contextlib
    import logging

    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


def _provider() -> ProviderBase:
    """The provider; imported on the runner's loading thread, not before the handshake."""
    from terraform_provider_openai.provider import OpenAIProvider

    return OpenAIProvider()


if __name__ == "__main__":
    sys.exit(main())
