# CI360 → S3 bulk connector. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON      ?= python3
VENV        := .venv
VENV_CKV    := .venv-checkov
PY          := $(VENV)/bin/python
TERRAFORM   ?= terraform
TF_DIR      := terraform
WORKSPACE   ?= dev
TFVARS      := env/$(WORKSPACE).tfvars
ZIP         := dist/s3_bulk_upload.zip
TIMED       := bash scripts/timed.sh
# Terraform linters, built from their Go modules into .tools/ (scripts/install_go_tools.sh).
TOOLS               := .tools
TFLINT_VERSION      := v0.61.0
TFLINT_AWS_VERSION  := 0.48.0
TFLINT              := $(TOOLS)/bin/tflint
TERRAFORM_DOCS_VERSION := v0.20.0
TERRAFORM_DOCS      := $(TOOLS)/bin/terraform-docs
# AWS's Lambda Runtime Interface Emulator: the artifact test and `make serve` run the zip under it.
RIE_VERSION         := v0.0.0-20261030222936-bef5c4ba774d
# The Terraform AWS provider, built from its Go module into a filesystem mirror for the apply suite
# (tests/apply): the proxy serves 6.34.0's code as Upbound's fork at a pseudo-version, with no
# checksum-database entry, so its h1: hash is pinned here (scripts/install_provider.sh).
PROVIDER_MODULE     := github.com/upbound/terraform-provider-aws
PROVIDER_MODULE_VERSION := v0.0.0-20260305123303-f7691456b787
PROVIDER_MODULE_HASH := h1:dJlp2eNgY/iVKTPINdguYlHbHc9CtXBZKmQmqYq0REs=
PROVIDER_VERSION    := 6.34.0
MODULE_DIRS         := $(TF_DIR) $(TF_DIR)/bootstrap $(sort $(wildcard $(TF_DIR)/modules/*)) $(sort $(wildcard examples/*))

.PHONY: help venv lock test test-builds test-trino-reader test-tflint trino-reader typecheck tools rie provider apply-suite import-log-group tflint provider-schema checkov package import-time cold-start plan apply destroy ci360-config fmt lint docs demo serve smoke bench workspace preflight workspace-package rotate-api-key bootstrap teardown bench-docs bench-distributed

help: ## List the targets and the variables they take
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'
	@echo "Variables: WORKSPACE=$(WORKSPACE) (dev|prod|…: env/<WORKSPACE>.tfvars), ARCH=arm64|x86_64 (make package;"
	@echo "  the workspace targets build for the workspace's lambda_architecture), PORT=$(PORT) (make serve),"
	@echo "  REGION (make bootstrap; default: the workspace's aws_region), TERRAFORM=$(TERRAFORM)"

# The function and the local toolkit (scripts/devkit) are installed editable: nothing edits sys.path.
# uv installs a lock in seconds where pip takes minutes (parallel downloads): pip installs uv itself
# first, at the dev lock's version and hashes (its block, cut out of the lock), then uv installs
# the whole lock, hashes required.
UV_BOOTSTRAP = sed -n '/^uv==/,/^[^ ]/p' requirements-dev.lock | sed '1!{/^[^ ]/d}'
UV_INSTALL   = $(VENV)/.uv/bin/uv pip install --quiet --require-hashes

$(VENV)/.uv/bin/uv: requirements-dev.lock
	$(PYTHON) -m venv $(VENV)/.uv
	$(UV_BOOTSTRAP) > $(VENV)/.uv/requirements.lock
	$(VENV)/.uv/bin/pip install --quiet --disable-pip-version-check --require-hashes -r $(VENV)/.uv/requirements.lock
	touch $@  # pip leaves an installed uv as it was: without this the rule ran again at every make

$(VENV)/.installed: requirements-dev.lock pyproject.toml $(VENV)/.uv/bin/uv
	$(PYTHON) -m venv $(VENV)
	$(TIMED) "dev venv" $(UV_INSTALL) --python $(PY) -r requirements-dev.lock
	$(VENV)/.uv/bin/uv pip install --quiet --python $(PY) --no-deps --no-build-isolation -e .
	touch $@

$(VENV_CKV)/.installed: requirements-checkov.lock $(VENV)/.uv/bin/uv
	$(PYTHON) -m venv $(VENV_CKV)
	$(TIMED) "checkov venv" $(UV_INSTALL) --python $(VENV_CKV)/bin/python -r requirements-checkov.lock
	touch $@

venv: $(VENV)/.installed ## Create .venv from the lock (requirements-dev.lock, hashes required)

# uv (pinned in the dev group) resolves pyproject.toml into uv.lock, for every platform and Python
# the project supports, and exports what pip installs: the zip's set and the dev venv's; checkov's
# own venv is locked the same way from scripts/checkov/pyproject.toml.
UV_EXPORT := $(VENV)/bin/uv export --frozen --quiet --format requirements-txt --no-emit-project --hashes
lock: $(VENV)/.installed ## Re-resolve the locks (uv.lock; scripts/checkov/uv.lock) and export the three .lock files pip installs
	$(VENV)/bin/uv lock
	$(UV_EXPORT) --no-dev -o lambda/requirements.lock
	$(UV_EXPORT) --all-groups -o requirements-dev.lock
	$(VENV)/bin/uv lock --project scripts/checkov
	$(UV_EXPORT) --project scripts/checkov -o requirements-checkov.lock

# The apply suite is mostly the provider waiting on moto, pytest and the builds mostly CPU: the
# provider build and the apply suite run beside the Trino reader's and the Go tools' builds (those
# two side by side: Maven's downloads beside Go's compiles), tflint and pytest
# (scripts/side_by_side.sh; the apply suite's output is printed after pytest's). Both suites run
# the zip under the runtime emulator, built first.
test: $(VENV)/.installed $(VENV_CKV)/.installed ## ruff, mypy, checkov, tflint, the pytest suite and, beside them, the apply suite (the AWS provider built once); each phase's time in a [time] line
	$(TIMED) ruff bash -c '$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .'
	$(TIMED) mypy $(MAKE) --no-print-directory typecheck
	$(TIMED) checkov $(MAKE) --no-print-directory checkov
	$(TIMED) "runtime emulator" $(MAKE) --no-print-directory rie
	$(TIMED) "suites" bash scripts/side_by_side.sh build/apply-suite.log \
	  '$(TIMED) "AWS provider" $(MAKE) --no-print-directory provider && $(TIMED) "apply suite" $(APPLY_SUITE)' \
	  '$(MAKE) --no-print-directory -j2 --output-sync=target test-builds && $(TIMED) pytest $(PY) -m pytest -n 2 --dist loadfile'

# What pytest needs built, side by side (make -j2 test-builds; each one's output when it ends).
test-builds: test-trino-reader test-tflint
test-trino-reader: $(VENV)/.installed
	@$(TIMED) "Trino reader" $(MAKE) --no-print-directory trino-reader
test-tflint:
	@$(TIMED) "Go tools + tflint" $(MAKE) --no-print-directory tflint

# Trino 483's own CSV reader (tests/reader, Java 25 + Maven): the catalog tests read every object they
# deliver through it. Built once into build/trino-reader/<hash of its sources>; skipped (one line says
# why) without Java 25 or Maven, and the Python port reads instead.
trino-reader: $(VENV)/.installed ## Build Trino's CSV reader for the catalog tests (skipped without Java 25 and Maven)
	@$(PY) -m devkit.local.trino_reader build

typecheck: $(VENV)/.installed ## mypy: strict for the function, checked for the toolkit and tests
	$(VENV)/bin/mypy --strict lambda/s3_bulk_upload
	$(VENV)/bin/mypy scripts/devkit tests

tools: ## Build the pinned tflint + AWS ruleset, terraform-docs and the Lambda runtime emulator into .tools/ (needs Go)
	@bash scripts/install_go_tools.sh $(TOOLS) $(TFLINT_VERSION) $(TFLINT_AWS_VERSION) $(TERRAFORM_DOCS_VERSION) $(RIE_VERSION)

rie: ## Build only the pinned Lambda runtime emulator into .tools/ (what demo, serve and cold-start run; needs Go)
	@bash scripts/install_go_tools.sh $(TOOLS) $(TFLINT_VERSION) $(TFLINT_AWS_VERSION) $(TERRAFORM_DOCS_VERSION) $(RIE_VERSION) rie

provider: ## Build the pinned Terraform AWS provider into .tools/terraform-mirror (needs Go; cold about 20 minutes)
	@bash scripts/install_provider.sh $(TOOLS) $(PROVIDER_MODULE) $(PROVIDER_MODULE_VERSION) '$(PROVIDER_MODULE_HASH)' $(PROVIDER_VERSION)

# Four workers, a test file each at a time (pytest-xdist); each file has its own moto server and copy
# of the configuration. Most of a destroy is the provider waiting (an SQS queue's deletion is polled
# for about two minutes), so the files with a destroy run side by side in about the time of the longest.
APPLY_SUITE = $(PY) -m pytest tests/apply -q -m apply -n 4 --dist loadfile

apply-suite: $(VENV)/.installed provider ## Terraform init/plan/apply/plan/destroy of every root and example against moto (tests/apply)
	$(APPLY_SUITE)

tflint: tools ## tflint with the terraform recommended preset and the AWS ruleset (skipped without Go)
	@if [ -x $(TFLINT) ]; then \
	  bash scripts/tflint.sh $(TFLINT) $(CURDIR)/$(TOOLS)/tflint-plugins $(CURDIR)/.tflint.hcl $(TF_DIR) examples; \
	fi

provider-schema: $(VENV)/.installed ## Snapshot the AWS provider's schema (npm @cdktn/provider-aws) for the offline check
	$(PY) -m devkit.terraform.provider_schema extract

checkov: $(VENV_CKV)/.installed ## Security policy checks on terraform/ (0 failed)
	$(VENV_CKV)/bin/checkov --directory $(TF_DIR) --config-file .checkov.yaml --skip-download --quiet --compact

ARCH ?= arm64

package: $(VENV)/.installed ## Build dist/s3_bulk_upload.zip (reproducible; ARCH=arm64|x86_64) for terraform apply
	$(PY) -m devkit.packaging.build_zip --output $(ZIP) --arch $(ARCH)

import-time: $(VENV)/.installed ## Zip size and the handler's cold import time from the unpacked zip (Python 3.13)
	$(PY) -m devkit.packaging.artifact import-time

cold-start: $(VENV)/.installed rie ## INIT duration under the Lambda runtime emulator: the zip vs boto3 alone and vs its libraries alone
	$(PY) -m devkit.packaging.artifact cold-start

docs: tools $(VENV)/.installed ## Regenerate the Terraform READMEs' tables (terraform-docs; skipped without Go) and the README's request fields
	$(PY) -m devkit.docs.readme update
	@if [ -x $(TERRAFORM_DOCS) ]; then \
	  for dir in $(MODULE_DIRS); do $(TERRAFORM_DOCS) --config $(CURDIR)/.terraform-docs.yml $$dir || exit 1; done; \
	fi

bench: $(VENV)/.installed ## Benchmarks: loopback, then AWS-shaped; full runs also re-render docs/performance.md (BENCH_ARGS=--quick: not)
	$(PY) -m devkit.bench.loopback run --json .bench/results.json --plot .bench/performance.png $(BENCH_ARGS)
	$(PY) -m devkit.bench.aws --json .bench/aws.json --plot .bench/performance-aws.png $(BENCH_AWS_ARGS)
	$(PY) -m devkit.bench.deflate --json .bench/deflate.json
	$(if $(findstring --quick,$(BENCH_ARGS)),@echo "quick run: docs/performance.md left as it is",$(MAKE) --no-print-directory bench-docs)

bench-distributed: $(VENV)/.installed ## The distributed path on loopback (4 vs 16 parallel parts, capped source) and its AWS model: docs/distributed-performance.md
	$(PY) -m devkit.bench.distributed --json docs/distributed-results.json --docs docs/distributed-performance.md

bench-docs: $(VENV)/.installed ## Copy .bench/ results into docs/ and render docs/performance.md's figures and verdicts from them
	cp .bench/results.json docs/performance-results.json
	cp .bench/aws.json docs/performance-aws-results.json
	cp .bench/deflate.json docs/performance-deflate-results.json
	cp .bench/performance.png .bench/performance-aws.png docs/
	$(PY) -m devkit.bench.docs update

fmt: $(VENV)/.installed ## Format Python and Terraform
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .
	$(PY) -m devkit.terraform.offline fmt

lint: $(VENV)/.installed $(VENV_CKV)/.installed ## Offline checks: ruff, terraform fmt + config load, checkov, tflint (with Go)
	$(VENV)/bin/ruff check .
	$(PY) -m devkit.terraform.offline check
	$(MAKE) --no-print-directory checkov
	$(MAKE) --no-print-directory tflint

# Checked before anything is built or run: the Terraform version (.terraform-version), the
# workspace's tfvars and backend.hcl, each with one line saying what to do.
# `make apply` also checks the account's API Gateway CloudWatch role (make bootstrap sets it).
preflight: $(VENV)/.installed
	@$(PY) -m devkit.deployment.workspace preflight $(TF_DIR)/$(TFVARS) --terraform $(TERRAFORM) $(if $(PREFLIGHT_ACTION),--action $(PREFLIGHT_ACTION))

apply: PREFLIGHT_ACTION = apply

# The zip for the architecture the workspace deploys (lambda_architecture in its tfvars, else the
# default); an ARCH= on the command line that differs is refused. The architecture is recorded
# beside the zip (dist/s3_bulk_upload.zip.arch).
workspace-package: $(VENV)/.installed
	@arch=$$($(PY) -m devkit.deployment.workspace arch $(TF_DIR)/$(TFVARS) $(if $(filter command line,$(origin ARCH)),--requested $(ARCH))) && \
	  $(PY) -m devkit.packaging.build_zip --output $(ZIP) --arch $$arch

workspace: preflight
	cd $(TF_DIR) && $(TERRAFORM) init -input=false -reconfigure -backend-config=backend.hcl
	cd $(TF_DIR) && ($(TERRAFORM) workspace select $(WORKSPACE) 2>/dev/null || $(TERRAFORM) workspace new $(WORKSPACE))

plan: preflight workspace-package workspace ## terraform plan for WORKSPACE (default dev)
	cd $(TF_DIR) && $(TERRAFORM) plan -input=false -var-file=$(TFVARS) -out=$(WORKSPACE).tfplan

apply: preflight workspace-package workspace ## terraform apply for WORKSPACE
	cd $(TF_DIR) && $(TERRAFORM) apply -input=false -var-file=$(TFVARS)

destroy: preflight workspace-package workspace ## terraform destroy for WORKSPACE: refused while its bucket exists (prevent_destroy); see make teardown
	cd $(TF_DIR) && $(TERRAFORM) destroy -input=false -var-file=$(TFVARS)

# Once per account and Region, before the first apply: the CloudWatch role every API Gateway stage
# in the Region logs through (an account-wide setting no workspace owns), in a state of its own.
REGION ?= $(shell sed -n 's/^aws_region *= *"\(.*\)"/\1/p' $(TF_DIR)/$(TFVARS))

bootstrap: preflight ## Once per account and REGION (default: WORKSPACE's): API Gateway's CloudWatch logging role
	cd $(TF_DIR)/bootstrap && $(TERRAFORM) init -input=false -reconfigure -backend-config=../backend.hcl \
	  -backend-config=key=ci360-s3-bulk-connector/bootstrap/$(REGION)/terraform.tfstate
	cd $(TF_DIR)/bootstrap && $(TERRAFORM) apply -input=false -var=aws_region=$(REGION)

# Deliberately delete a (test) workspace with its exports: says what goes, asks for the name.
teardown: preflight workspace-package workspace ## Delete WORKSPACE and its bucket with every export (asks for the workspace name)
	$(PY) -m devkit.deployment.teardown --terraform $(TERRAFORM) --terraform-dir $(TF_DIR) --workspace $(WORKSPACE) --tfvars $(TFVARS)

# Once, for a workspace applied before the stage's execution-log group was in its state: API Gateway
# created API-Gateway-Execution-Logs_<api id>/<stage> itself, and the apply that adds the group
# would fail with ResourceAlreadyExistsException. Imports the group when it exists; else says so.
import-log-group: preflight workspace-package workspace ## Import the stage's existing execution-log group into WORKSPACE's state (once, before the first apply of this version)
	$(PY) -m devkit.terraform.import_log_group --terraform $(TERRAFORM) --terraform-dir $(TF_DIR) --workspace $(WORKSPACE) --tfvars $(TFVARS)

# The webhook's API key, replaced: the old key stops working at once (paste the new one into CI360).
API_KEY_ADDRESS := module.connector.module.api.aws_api_gateway_api_key.ci360

rotate-api-key: preflight workspace-package workspace ## Replace WORKSPACE's API key, then print the new one for CI360
	cd $(TF_DIR) && $(TERRAFORM) apply -input=false -var-file=$(TFVARS) -replace=$(API_KEY_ADDRESS)
	@cd $(TF_DIR) && echo "new API key (x-api-key): $$($(TERRAFORM) output -raw ci360_api_key)"

demo: $(VENV)/.installed rie ## Try it locally: embedded S3, local webhook, one CI360 bulk request (no AWS account); DISTRIBUTED=1: on the state machine
	$(if $(DISTRIBUTED),$(PY) -m devkit.local.distributed_demo,$(PY) -m devkit.local.demo demo)

PORT ?= 8360

serve: $(VENV)/.installed rie ## Keep the local stack up (webhook on PORT, default 8360) and print a curl command; DISTRIBUTED=1: through the state machine
	$(PY) -m devkit.local.demo serve --port $(PORT)$(if $(DISTRIBUTED), --distributed)

smoke: $(VENV)/.installed workspace ## Deliver a sample through the deployed WORKSPACE and clean up
	$(PY) -m devkit.deployment.smoke --terraform $(TERRAFORM) --terraform-dir $(TF_DIR) --tfvars $(TFVARS)

ci360-config: workspace ## Print what CI360's connector screens need (API key included)
	@cd $(TF_DIR) && $(TERRAFORM) output -raw ci360_setup && echo && \
	  echo "API key (x-api-key): $$($(TERRAFORM) output -raw ci360_api_key)"
