# netkit: the two commands a new machine needs are `make up` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
PY := $(VENV)/bin/python
STACK ?= dev

# Local state backend inside the project, with a documented dev passphrase. Point
# PULUMI_BACKEND_URL elsewhere (or `pulumi login`) to use another backend.
# metadata=skip: by default the file backend also writes a metadata file beside each
# state file, in place (truncate, then write), so an update killed at that moment leaves
# it empty and every later command fails ("failed to load checkpoint: EOF"). Without
# them every write is a rename, which a kill cannot leave half done.
export PULUMI_BACKEND_URL ?= file://$(CURDIR)/.pulumi-state?metadata=skip
export PULUMI_CONFIG_PASSPHRASE ?= netkit-dev-passphrase
export PULUMI_SKIP_UPDATE_CHECK := true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION := true

# The Pulumi CLI and providers, built from the Go module proxy into a per-user cache.
TOOLCHAIN_BIN := $(shell scripts/toolchain.sh --print-bin 2>/dev/null)
# The YAML language host, for Pulumi YAML programs using netkit's component package
# (a key of its own: building it never rebuilds the toolchain above).
YAML_HOST_BIN := $(shell scripts/yaml-host.sh --print-bin 2>/dev/null)
export PATH := $(TOOLCHAIN_BIN):$(YAML_HOST_BIN):$(CURDIR)/$(VENV)/bin:$(PATH)

# The dev stack is applied to the local cluster (scripts/cluster.sh); its kubeconfig
# reaches the kubernetes provider through KUBECONFIG, so no machine path sits in the
# stack file. Other stacks use the kubeconfig and context their stack file names.
LOCAL_CLUSTER := $(filter dev,$(STACK))
ifneq ($(LOCAL_CLUSTER),)
export KUBECONFIG := $(shell scripts/cluster.sh kubeconfig)
endif

.PHONY: help install bytecode system toolchain yaml-host cluster-toolchain cluster cluster-stop kubeconfig docker hosts hosts-down stack up preview refresh destroy recover test lint shellcheck typecheck imports unit differential e2e bench reference

help:
	@echo "make up       deploy the $(STACK) stack (real Docker engine; Kubernetes objects on the local cluster for dev)"
	@echo "make kubeconfig  print the local cluster's kubeconfig; make cluster-stop stops the cluster"
	@echo "make test     lint, type-check and run the test suite"
	@echo "make preview  pulumi preview with the policy pack; make destroy removes the stack"
	@echo "make bench    print the benchmarks"
	@echo "STACK=lab make up   the same across 3 Docker hosts in network namespaces (root)"
	@echo "make hosts-down     stop those hosts"

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@# An editable install leaves out the wheel's data files: the policy pack's and the
	@# component package's folders, which name the virtualenv as ../../.. (see pyproject).
	@# Link them where a wheel install puts them.
	@for pair in policy-pack:policies/pack component-package:components/plugin; do \
	    dst=$(VENV)/share/netkit/$${pair%%:*}; mkdir -p $$dst; \
	    for f in $${pair#*:}/*; do ln -sfn $(CURDIR)/$$f $$dst/; done; done
	touch $@

# Every `pulumi` run starts the program and the policy pack as Python processes; where
# PYTHONDONTWRITEBYTECODE is set they would compile our modules from source each time.
bytecode: install
	@$(PY) -m compileall -q netkit netkit_cli components policies >/dev/null

toolchain:
	@scripts/toolchain.sh --check || scripts/toolchain.sh

yaml-host:
	@scripts/yaml-host.sh --check >/dev/null 2>&1 || scripts/yaml-host.sh

# The local cluster's binaries, built from the Go module proxy (scripts/cluster-toolchain.sh).
cluster-toolchain:
	@scripts/cluster-toolchain.sh --check >/dev/null 2>&1 || scripts/cluster-toolchain.sh >/dev/null

# Starts the local cluster unless it runs already; `make cluster-stop` stops it.
cluster: install cluster-toolchain docker
	@scripts/cluster.sh status >/dev/null 2>&1 || scripts/cluster.sh start
	@scripts/link-kubectl.sh

cluster-stop:
	scripts/cluster.sh stop

# `export KUBECONFIG=$$(make -s kubeconfig)` points kubectl and clients at the local cluster.
kubeconfig:
	@scripts/cluster.sh kubeconfig

docker: install
	scripts/docker-engine.sh
	scripts/docker-image.sh

# A stack whose hosts are `netkit-hosts://hostN` (Pulumi.lab.yaml) needs the engines of
# scripts/docker-hosts.sh: as many as its highest host number, at least the default 3;
# empty when it names none. Read from the stack spec when a recipe uses it (`=`: after
# `install` made the virtualenv).
LOCAL_HOSTS = $(shell scripts/devenv stack-hosts $(STACK))

hosts: install
	@hosts="$(LOCAL_HOSTS)"; if [ -n "$$hosts" ]; then scripts/docker-hosts.sh start "$$hosts"; fi

# With no local hosts in the stack: the script's default count (3).
hosts-down: install
	scripts/docker-hosts.sh stop $(LOCAL_HOSTS)

# The stack on the local backend; the encryption salt in Pulumi.<stack>.yaml matches
# the documented dev passphrase above.
stack: install bytecode toolchain
	@mkdir -p .pulumi-state
	@pulumi stack select --create $(STACK) >/dev/null

# On the local hosts, `up` refreshes first: after a host's engine restarts, a container of
# it may still be stopped (its restart policy usually brings it back), and only a refresh
# sees that.
# `netkit preflight` first: what the stack would create that exists outside its state (a
# second checkout's, or this one's before its state moved) is one line naming the owner,
# and nothing is changed.
up: docker hosts $(if $(LOCAL_CLUSTER),cluster) stack
	@$(VENV)/bin/netkit preflight --stack $(STACK)
	pulumi up --stack $(STACK) --yes --skip-preview --policy-pack policies $(if $(LOCAL_HOSTS),--refresh)
	@if [ -d rendered/$(STACK) ]; then $(VENV)/bin/netkit validate rendered/$(STACK); fi

preview: docker hosts $(if $(LOCAL_CLUSTER),cluster) stack
	pulumi preview --stack $(STACK) --policy-pack policies

destroy: hosts $(if $(LOCAL_CLUSTER),cluster) stack
	pulumi destroy --stack $(STACK) --yes --skip-preview

# The program runs too (--run-program): it names a host whose engine is down in one line,
# before the provider reports each of that host's resources.
refresh: hosts $(if $(LOCAL_CLUSTER),cluster) stack
	pulumi refresh --stack $(STACK) --yes --skip-preview --run-program

# After an interrupted `make up`: import what Docker made, clear the stale lock.
recover: stack
	scripts/recover.sh $(STACK)

lint: install
	$(PY) -m ruff check .

typecheck: install
	$(PY) -m mypy

# The entry scripts stay thin and sound (the environment's logic is devenv/, typed Python).
shellcheck: system
	shellcheck scripts/*.sh scripts/devenv

# The layers stay apart: netkit_cli > components | policies > netkit (pyproject.toml).
imports: install
	$(VENV)/bin/lint-imports --no-cache

system:
	@scripts/system-packages.sh

unit: install system
	$(PY) -m pytest -m "not e2e and not differential"

# netkit connlist against netpol-analyzer (built once from the Go module proxy) on 200
# random AdminNetworkPolicy clusters, seeds 0-199.
differential: install
	scripts/netpol-analyzer.sh >/dev/null
	$(PY) -m pytest -m differential

# The real Pulumi engine and Docker engine, on stacks of their own (netkit-e2e-*).
e2e: install system bytecode toolchain yaml-host cluster-toolchain docker
	$(PY) -m pytest -m e2e tests/e2e

test: lint typecheck imports shellcheck unit differential e2e

bench: install bytecode toolchain docker
	scripts/netpol-analyzer.sh >/dev/null
	$(PY) benchmarks/run_all.py

# The reference tables of docs/reference.md, generated from the code.
reference: install
	$(PY) -m netkit_cli.reference docs/reference.md
