"""Start the project's local OpenAI-compatible server in a subprocess, for any test suite.

    with LocalServer.start(api_key="sk-test") as server:
        client = OpenAI(base_url=server.base_url, api_key="sk-test")
        ...
        assert server.requests()[-1]["status"] == 200

``api_key`` reaches the server through ``LOCALSERVER_API_KEY`` (not the command line, where
``ps`` would show it) and the admin calls send it. ``LOCALSERVER_API_KEY`` is not inherited
from the test runner's environment: pass it in ``env=`` to use it. ``restart()`` stops the
server and starts it again on the same port with the same arguments (stored completions
survive it with ``db=``).

Standard library only (urllib), so any suite can use it whatever else it has installed.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

STARTUP_TIMEOUT_S = 20.0
API_KEY_ENV = "LOCALSERVER_API_KEY"


class LocalServerError(RuntimeError):
    """The server did not start, or an admin call failed."""


@dataclass(frozen=True)
class _Launch:
    """How a server was started, so that it can be started again the same way."""

    extra_args: tuple[str, ...]
    db: str | None
    env: dict[str, str]

    def command(self, port: int) -> list[str]:
        cmd = [sys.executable, "-m", "terraform_provider_openai.localserver", "--port", str(port)]
        if self.db is not None:
            cmd += ["--db", self.db]
        return cmd + list(self.extra_args)

    def effective_key(self) -> str | None:
        """The key the server will accept, resolved like the server does."""
        args = list(self.extra_args)
        for i, arg in enumerate(args):
            name, eq, value = arg.partition("=")
            if name not in ("--api-key", "--api-key-file"):
                continue
            if not eq:
                value = args[i + 1] if i + 1 < len(args) else ""
            if name == "--api-key":
                return value
            return Path(value).read_text().removesuffix("\n").removesuffix("\r")
        return self.env.get(API_KEY_ENV) or None

    def run(self, port: int, timeout: float) -> tuple[subprocess.Popen[str], str, Path]:
        """Start the process; return it, its first stdout line (the base URL) and its stderr file."""
        fd, name = tempfile.mkstemp(prefix="localserver-", suffix=".stderr")
        stderr_path = Path(name)
        with os.fdopen(fd, "w") as stderr:
            process = subprocess.Popen(
                self.command(port),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
                env=self.env,
            )
        first: list[str] = []
        reader = threading.Thread(
            target=lambda: first.append(process.stdout.readline() if process.stdout else "")
        )
        reader.daemon = True
        reader.start()
        reader.join(timeout)
        line = first[0].strip() if first else ""
        if not line.startswith("http"):
            exited = None
            if not reader.is_alive():  # stdout closed: the process is exiting, get its code
                with contextlib.suppress(subprocess.TimeoutExpired):
                    exited = process.wait(timeout)
            process.kill()
            process.wait()
            if process.stdout is not None:
                process.stdout.close()
            detail = stderr_path.read_text(errors="replace")
            stderr_path.unlink(missing_ok=True)
            why = f"exited with code {exited}" if exited is not None else f"did not start within {timeout}s"
            raise LocalServerError(f"local server {why} (first line {line!r}):\n{detail}")
        return process, line, stderr_path


class LocalServer:
    """A running ``terraform-provider-openai serve`` process."""

    def __init__(
        self,
        process: subprocess.Popen[str],
        base_url: str,
        stderr_path: Path,
        *,
        api_key: str | None = None,
        launch: _Launch | None = None,
    ) -> None:
        self.stdout_lines: list[str] = []  # of every process, across restarts
        self.api_key = api_key  # the key the server accepts (admin calls send it); None: open
        self._launch = launch
        self._earlier_stderr = ""  # of the processes already stopped
        self._attach(process, base_url, stderr_path)

    def _attach(self, process: subprocess.Popen[str], base_url: str, stderr_path: Path) -> None:
        self.process = process
        self.base_url = base_url  # "http://127.0.0.1:PORT/v1"
        self.root_url = base_url.removesuffix("/v1")
        self.azure_endpoint = self.root_url  # for AzureOpenAI(azure_endpoint=...)
        self.port = int(self.root_url.rsplit(":", 1)[1])
        self._stderr_path = stderr_path
        self._drain = threading.Thread(target=self._drain_stdout, args=(process,), daemon=True)
        self._drain.start()

    @classmethod
    def start(
        cls,
        *extra_args: str,
        db: str | os.PathLike[str] | None = None,
        api_key: str | None = None,
        env: dict[str, str] | None = None,
        timeout: float = STARTUP_TIMEOUT_S,
        port: int = 0,
    ) -> LocalServer:
        """Launch the server on ``port`` (0: a free one) and wait (up to ``timeout`` s) for its URL.

        ``api_key`` is passed as ``LOCALSERVER_API_KEY``; ``--api-key``/``--api-key-file`` in
        ``extra_args``, or ``LOCALSERVER_API_KEY`` in ``env``, work too (admin calls use the key).
        """
        child_env = {k: v for k, v in os.environ.items() if k != API_KEY_ENV}
        child_env.update(env or {})
        if api_key is not None:
            child_env[API_KEY_ENV] = api_key
        launch = _Launch(tuple(extra_args), None if db is None else os.fspath(db), child_env)
        process, line, stderr_path = launch.run(port, timeout)
        return cls(process, line, stderr_path, api_key=launch.effective_key(), launch=launch)

    def restart(self, timeout: float = STARTUP_TIMEOUT_S, *, kill: bool = False) -> None:
        """Stop the server (SIGTERM, or SIGKILL with ``kill``), start a new process on the same
        port with the same arguments, ``--db`` file and environment, and return once it serves.

        Stored completions survive with ``db=`` (also a SIGKILL: SQLite commits each change);
        the request log and queued faults do not. ``base_url`` and the other URLs stay the same.
        """
        if self._launch is None:
            raise LocalServerError("restart() needs a server made by LocalServer.start()")
        if kill and self.process.poll() is None:
            self.process.kill()
        self.stop(timeout)
        process, line, stderr_path = self._launch.run(self.port, timeout)
        self._attach(process, line, stderr_path)

    def _drain_stdout(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.stdout_lines.append(line.rstrip("\n"))
        process.stdout.close()

    # --- admin API ------------------------------------------------------------------------------

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        """Call an admin route (``/_admin/...``) and return the parsed JSON answer."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.root_url + path, data=data, method=method)
        if data is not None:
            req.add_header("content-type", "application/json")
        if self.api_key is not None:
            req.add_header("authorization", f"Bearer {self.api_key}")
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as exc:
            raise LocalServerError(
                f"{method} {path}: {exc.code} {exc.read().decode(errors='replace')}"
            ) from None

    def requests(self) -> list[dict[str, Any]]:
        """Every request to /v1 and /openai since the last clear, in order (keys redacted)."""
        return list(self.admin("GET", "/_admin/requests")["requests"])

    def stored_ids(self) -> list[str]:
        """IDs of every completion the server keeps, sorted, listed through the API as a user would."""
        from openai import OpenAI

        api = OpenAI(base_url=self.base_url, api_key=self.api_key or "sk-local-test", max_retries=0)
        return sorted(c.id for c in api.chat.completions.list(limit=100))

    def clear_requests(self) -> None:
        self.admin("DELETE", "/_admin/requests")

    def reset(self) -> None:
        """Forget requests, stored completions and pending faults."""
        self.admin("POST", "/_admin/reset")

    def inject_fault(self, kind: str, count: int = 1, path_prefix: str | None = None) -> None:
        """Fail the next ``count`` matching requests with ``kind`` (e.g. "429", "500", "drop")."""
        body: dict[str, Any] = {"kind": kind, "count": count}
        if path_prefix is not None:
            body["path_prefix"] = path_prefix
        self.admin("POST", "/_admin/faults", body)

    # --- lifecycle ------------------------------------------------------------------------------

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM, wait, and return the exit code (killed if it does not stop in time)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._drain.join(timeout)
        if self._stderr_path.exists():
            self._earlier_stderr += self._stderr_path.read_text(errors="replace")
            self._stderr_path.unlink(missing_ok=True)
        return self.process.returncode

    def stderr(self) -> str:
        """What the server wrote to stderr, also after ``stop()`` and across restarts."""
        try:
            current = self._stderr_path.read_text(errors="replace")
        except FileNotFoundError:
            current = ""
        return self._earlier_stderr + current

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
