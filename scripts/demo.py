#!/usr/bin/env python3
"""`make demo`: apply examples/quickstart the way a user would, and show what came out.

1. install the provider into ~/.terraform.d/plugins (`terraform-provider-openai install`, the
   implied local mirror: plain `terraform init` finds it there);
2. copy examples/quickstart into .demo/quickstart (once: later runs reuse it and its state);
3. without OPENAI_API_KEY, start the local OpenAI-compatible server on a free port, keeping stored
   completions in .demo/localserver.sqlite (so a second run still finds them); with it, use the
   real API (and OPENAI_BASE_URL if set);
4. `terraform init` and `terraform apply -auto-approve`, then print the outputs;
5. stop the server, also when a step fails.

Running it twice works: the second apply has nothing to change.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / ".demo"
WORKDIR = DEMO / "quickstart"  # same depth as examples/quickstart: ../../modules still resolves
SERVER_DB = DEMO / "localserver.sqlite"
LOCAL_API_KEY = "sk-local-demo"
MIN_TERRAFORM = (1, 5, 0)  # modules/chat_completion's required_version
#: Without the module (older Terraform, down to the 1.0.3 `make` fetches): the quickstart's three
#: completions written with the resource itself, with the same outputs.
OLD_TERRAFORM_DIR = DEMO / "quickstart-resources"
OLD_TERRAFORM_CONFIG = """\
# What `make demo` applies when Terraform is older than 1.5 (modules/chat_completion needs 1.5):
# examples/quickstart with the resource instead of the module.
terraform {
  required_providers {
    openai = {
      source = "registry.local/openai/openai"
    }
  }
}

provider "openai" {}

resource "openai_chat_completion" "chat" {
  model = "gpt-4o-mini"
  messages = [
    { role = "system", content = "You are a helpful assistant. Answer in one sentence." },
    { role = "user", content = "What is Terraform?" },
  ]
  temperature = 0.7
  max_tokens  = 200
}

resource "openai_chat_completion" "weather" {
  model    = "gpt-4o-mini"
  messages = [{ role = "user", content = "What's the weather in San Francisco?" }]
  functions = [{
    name        = "get_weather"
    description = "Get the current weather in a location"
    parameters = jsonencode({
      type       = "object"
      properties = { location = { type = "string" }, unit = { type = "string", enum = ["celsius", "fahrenheit"] } }
      required   = ["location"]
    })
  }]
  function_call = "get_weather"
}

resource "openai_chat_completion" "stored" {
  model    = "gpt-4o-mini"
  store    = true
  metadata = { example = "quickstart", category = "geography" }
  messages = [{ role = "user", content = "What's the capital of France?" }]
}

data "openai_chat_completion" "stored" {
  completion_id = openai_chat_completion.stored.id
}

output "answer" { value = openai_chat_completion.chat.content }
output "usage" { value = openai_chat_completion.chat.usage }
output "function_call" { value = openai_chat_completion.weather.message.function_call }
output "stored_completion_id" { value = openai_chat_completion.stored.id }
output "stored_content" { value = data.openai_chat_completion.stored.content }
output "stored_metadata" { value = data.openai_chat_completion.stored.metadata }
"""
_SHOWN = re.compile(r": (Creat|Read|Modif|Destr|Refresh)|^(Apply complete|No changes|Plan:)|Warning:|Error:")


class DemoError(Exception):
    pass


def step(text: str) -> None:
    print(f"==> {text}", flush=True)


def run(cmd: list[str], env: dict[str, str], cwd: Path | None = None, show: bool = False) -> str:
    """Run a command and return its stdout; with `show`, echo its progress lines as they come.
    On failure, raise with everything it printed (terraform's errors are on stderr)."""
    with tempfile.TemporaryFile("w+") as stderr:
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=stderr, stdin=subprocess.DEVNULL, text=True
        )
        lines = []
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if show and _SHOWN.search(line):
                print("    " + line.rstrip(), flush=True)
        code = proc.wait()
        stderr.seek(0)
        errors = stderr.read()
    output = "".join(lines)
    if code != 0:
        name = " ".join([Path(cmd[0]).name, *cmd[1:]])
        raise DemoError(f"`{name}` failed (exit {code}):\n{output}{errors}")
    return output


def find_terraform() -> str:
    for candidate in (os.environ.get("TERRAFORM"), shutil.which("terraform")):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    raise DemoError(
        "No terraform binary: put terraform on PATH or set TERRAFORM=/path/to/terraform (`make demo` does)."
    )


def terraform_version(binary: str) -> tuple[int, ...]:
    out = subprocess.run([binary, "version"], capture_output=True, text=True, check=True).stdout
    match = re.search(r"v(\d+)\.(\d+)\.(\d+)", out)
    if not match:
        raise DemoError(f"cannot read the version of {binary}: {out!r}")
    return tuple(int(x) for x in match.groups())


def provider_command() -> list[str]:
    """The `terraform-provider-openai` console script next to this Python (the venv's)."""
    script = Path(sys.executable).parent / "terraform-provider-openai"
    return [str(script)] if script.exists() else [sys.executable, "-m", "terraform_provider_openai"]


class Server:
    """`terraform-provider-openai serve`, started and stopped by its pid."""

    def __init__(self, db: Path, log: Path) -> None:
        self.log = log
        with log.open("w") as stderr:
            self.process = subprocess.Popen(
                [*provider_command(), "serve", "--port", "0", "--db", str(db)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
                # the demo's server takes any key: a LOCALSERVER_API_KEY of the user's is not for it
                env={k: v for k, v in os.environ.items() if k != "LOCALSERVER_API_KEY"},
            )
        lines: list[str] = []
        first = threading.Event()

        def drain() -> None:  # read the base URL, then keep the pipe empty
            for line in self.process.stdout:  # type: ignore[union-attr]
                lines.append(line.strip())
                first.set()
            first.set()

        threading.Thread(target=drain, daemon=True).start()
        first.wait(20)
        line = lines[0] if lines else ""
        if not line.startswith("http"):
            self.stop()
            raise DemoError(f"the local server did not start (first line {line!r}):\n{log.read_text()}")
        self.base_url = line

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()


def show_outputs(outputs: dict) -> None:
    def value(name: str):
        return outputs.get(name, {}).get("value")

    call = value("function_call") or {}
    usage = value("usage") or {}
    print()
    print(f"  answer               : {value('answer')}")
    print(
        f"  tokens               : {usage.get('prompt_tokens')} prompt + {usage.get('completion_tokens')} completion = {usage.get('total_tokens')}"
    )
    print(f"  function call        : {call.get('name')}({call.get('arguments')})")
    print(f"  stored completion id : {value('stored_completion_id')}")
    print(f"  read back (data src) : {value('stored_content')}")
    print(f"  stored metadata      : {json.dumps(value('stored_metadata'), sort_keys=True)}")
    print()


def main() -> int:
    server: Server | None = None
    try:
        terraform = find_terraform()
        version = terraform_version(terraform)
        step(f"terraform {'.'.join(map(str, version))} ({terraform})")
        workdir = WORKDIR
        if version < MIN_TERRAFORM:
            workdir = OLD_TERRAFORM_DIR
            print(
                f"    examples/quickstart uses modules/chat_completion, which needs Terraform >= "
                f"{'.'.join(map(str, MIN_TERRAFORM))}: applying the same completions with the "
                "resource alone instead"
            )

        step("installing the provider into ~/.terraform.d/plugins (terraform-provider-openai install)")
        out = run([*provider_command(), "install"], env=dict(os.environ))
        installed = next((line.strip() for line in out.splitlines() if "terraform.d" in line), "")
        if installed:
            print(f"    {installed}")

        DEMO.mkdir(exist_ok=True)
        if workdir.exists():
            step(f"reusing {workdir.relative_to(REPO)} (its state from the last run)")
        elif workdir == WORKDIR:
            step(f"copying examples/quickstart to {WORKDIR.relative_to(REPO)}")
            shutil.copytree(REPO / "examples" / "quickstart", WORKDIR)
        else:
            step(f"writing {workdir.relative_to(REPO)}/main.tf")
            workdir.mkdir()
            (workdir / "main.tf").write_text(OLD_TERRAFORM_CONFIG)

        env = dict(os.environ)
        env.setdefault("CHECKPOINT_DISABLE", "1")
        if os.environ.get("OPENAI_API_KEY"):
            base = os.environ.get("OPENAI_BASE_URL") or "https://api.openai.com/v1"
            step(f"OPENAI_API_KEY is set: using the real API at {base}")
        else:
            step(
                f"OPENAI_API_KEY is not set: starting the local server (stored completions in {SERVER_DB.relative_to(REPO)})"
            )
            server = Server(SERVER_DB, DEMO / "localserver.log")
            print(f"    local server at {server.base_url} (pid {server.process.pid})")
            env["OPENAI_BASE_URL"] = server.base_url
            env["OPENAI_API_KEY"] = LOCAL_API_KEY

        step("terraform init")
        started = time.monotonic()
        run([terraform, "init", "-input=false", "-no-color"], env=env, cwd=workdir)
        print(f"    done in {time.monotonic() - started:.1f}s")

        step("terraform apply -auto-approve")
        started = time.monotonic()
        run(
            [terraform, "apply", "-auto-approve", "-input=false", "-no-color"],
            env=env,
            cwd=workdir,
            show=True,
        )
        print(f"    done in {time.monotonic() - started:.1f}s")

        outputs = json.loads(run([terraform, "output", "-json"], env=env, cwd=workdir))
        step("outputs")
        show_outputs(outputs)
        print(f"Run it again: nothing changes. Explore: cd {workdir.relative_to(REPO)} && terraform output")
        return 0
    except DemoError as exc:
        print(f"\nmake demo failed: {exc}", file=sys.stderr)
        return 1
    finally:
        if server is not None:
            server.stop()
            step(f"stopped the local server (pid {server.process.pid})")


if __name__ == "__main__":
    sys.exit(main())
