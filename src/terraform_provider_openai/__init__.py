"""Terraform provider for OpenAI chat completions (plugin protocol 6, built on the `tf` package).

Keep this module free of imports: Terraform starts the provider many times per command and
every import here is paid before the handshake.
"""

#: The version: pyproject.toml reads it from here, `install` names the plugin directory after it,
#: `--version` prints it; CHANGELOG.md's newest heading names it (tests/unit/test_version.py).
__version__ = "0.1.0"

PROVIDER_ADDRESS = "registry.local/openai/openai"
