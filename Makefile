# imagefleet.registry: the two commands a fresh machine needs are `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := $(CURDIR)/.venv
TOOLS := $(CURDIR)/.tools
# Outside the checkout (ansible-test would otherwise find the enclosing git repository), per user and per
# checkout: a second user or a second clone on the same machine gets folders of its own.
BUILD_ROOT := $(or $(TMPDIR),/tmp)/imagefleet-build-$(shell id -u)/$(shell echo "$(CURDIR)" | md5sum | cut -c1-8)
COLLECTION := $(BUILD_ROOT)/ansible_collections/imagefleet/registry
# Lab registries of the integration tests keep their state here (tests/lab/imagefleet_lab/state.py).
export IMAGEFLEET_LAB_DIR := $(BUILD_ROOT)/lab
LAB_STATE ?= $(IMAGEFLEET_LAB_DIR)/state.json
DEMO_STATE := $(CURDIR)/.lab/state.json
ANSIBLE_TEST := cd $(COLLECTION) && $(VENV)/bin/ansible-test
GET_PIP_CACHE := $(HOME)/.ansible/test/cache/get_pip_24_2.py

# Debian packages unpacked without root land in .tools (see hacking/ensure-tools.sh).
export PATH := $(VENV)/bin:$(TOOLS)/usr/bin:$(TOOLS)/usr/sbin:$(PATH)
export LD_LIBRARY_PATH := $(TOOLS)/usr/lib/x86_64-linux-gnu:$(TOOLS)/usr/lib/aarch64-linux-gnu:$(LD_LIBRARY_PATH)
export ANSIBLE_COLLECTIONS_PATH := $(BUILD_ROOT)
export ANSIBLE_FORCE_COLOR := 0
export PYTHONPATH := $(CURDIR)/tests/lab

.PHONY: help setup venv tools collection test lint sanity units integration demo bench lab-up lab-down clean

help:
	@echo "make demo   - set everything up, start a lab registry with legacy images and run the main job on it"
	@echo "make test   - set everything up and run the linters, ansible-test sanity, units and integration"
	@echo "make lint   - ansible-lint, yamllint, ruff and mypy alone (configs: .ansible-lint, .yamllint, ruff.toml, mypy.ini)"
	@echo "make bench  - benchmark against skopeo on the lab registry"

$(VENV)/.stamp: requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

venv: $(VENV)/.stamp

tools:
	bash hacking/ensure-tools.sh "$(TOOLS)"

# ansible-test needs the tree at .../ansible_collections/imagefleet/registry and resolves
# symlinks, so the collection is copied, not linked: the files git knows (tracked, or new and not
# ignored), with tar, which every machine has.
collection:
	rm -rf $(COLLECTION)
	mkdir -p $(COLLECTION)
	git ls-files -z --cached --others --exclude-standard | xargs -0 -r ls -d 2>/dev/null \
		| tar -cf - --no-recursion -T - | tar -xf - -C $(COLLECTION)

setup: venv tools collection
	@test -f $(GET_PIP_CACHE) || install -D -m 0644 hacking/get_pip_standin.py $(GET_PIP_CACHE)

sanity: setup
	$(ANSIBLE_TEST) sanity --local --python 3.11 --requirements

units: setup
	$(ANSIBLE_TEST) units --local --python 3.11

integration: setup
	$(ANSIBLE_TEST) integration --local --python 3.11 --allow-destructive; status=$$?; \
		$(VENV)/bin/python -m imagefleet_lab down --state $(LAB_STATE) >/dev/null; exit $$status

# Every linter runs even when an earlier one fails, so that one run shows all findings.
# ansible-lint --offline finds imagefleet.registry through ANSIBLE_COLLECTIONS_PATH (the built copy);
# mypy runs from the build root so that the ansible_collections imports resolve.
lint: venv collection
	@status=0; \
	ansible-lint --offline --nocolor playbooks roles examples || status=1; \
	yamllint --strict . || status=1; \
	ruff check . || status=1; \
	(cd $(BUILD_ROOT) && mypy --config-file $(CURDIR)/mypy.ini -p ansible_collections.imagefleet.registry.plugins.module_utils) || status=1; \
	exit $$status

test: lint sanity units integration

demo: setup
	bash hacking/demo.sh "$(DEMO_STATE)"

bench: setup
	bash bench/run.sh

lab-up: setup
	$(VENV)/bin/python -m imagefleet_lab up --state $(DEMO_STATE)

lab-down:
	$(VENV)/bin/python -m imagefleet_lab down --state $(DEMO_STATE)

clean:
	-$(VENV)/bin/python -m imagefleet_lab down --state $(DEMO_STATE) 2>/dev/null
	rm -rf $(BUILD_ROOT) .lab tests/output

# Publishing (Galaxy, AWX) and the oldest ansible-core claimed: part of make test.
VENV_OLDEST := $(CURDIR)/.venv-2.17
ANSIBLE_CORE_OLDEST := 2.17.14
COLLECTION_OLDEST := $(BUILD_ROOT)/oldest/ansible_collections/imagefleet/registry
# ansible-test 2.17 bootstraps pip with an older get-pip.py name (see GET_PIP_CACHE).
GET_PIP_CACHE_OLDEST := $(HOME)/.ansible/test/cache/get_pip_23_1_2.py
ANSIBLE_TEST_OLDEST := cd $(COLLECTION_OLDEST) && PATH=$(VENV_OLDEST)/bin:$(PATH) \
	ANSIBLE_COLLECTIONS_PATH=$(BUILD_ROOT)/oldest $(VENV_OLDEST)/bin/ansible-test
# Tests that also hold for the oldest: everything but the module unit tests (they use 2.19's patch_module_args).
UNITS_OLDEST := tests/unit/plugins/module_utils/ tests/unit/plugins/plugin_utils/ tests/unit/plugins/filter/ tests/unit/plugins/inventory/ tests/unit/examples/

.PHONY: publish-check ee-context changelog oldest

publish-check: setup
	bash hacking/publish-check.sh

# The execution environment's build context (ansible-builder create) from imagefleet-registry-<galaxy.yml version>.tar.gz.
ee-context: venv
	bash hacking/ee-context.sh

# After new fragments land: fold them into CHANGELOG.rst and changelogs/changelog.yaml (the release in galaxy.yml).
changelog: venv collection
	bash hacking/changelog.sh $(CURDIR) $(COLLECTION)

$(VENV_OLDEST)/.stamp: requirements-dev.txt
	$(PYTHON) -m venv $(VENV_OLDEST)
	grep -Ev '^(ansible-core|antsibull-changelog|galaxy-importer|ansible-builder|ansible-lint|yamllint|ruff|mypy|types-requests)==' requirements-dev.txt \
		| $(VENV_OLDEST)/bin/pip install --quiet --disable-pip-version-check ansible-core==$(ANSIBLE_CORE_OLDEST) -r /dev/stdin
	touch $@

oldest: setup $(VENV_OLDEST)/.stamp
	@test -f $(GET_PIP_CACHE_OLDEST) || install -D -m 0644 hacking/get_pip_standin.py $(GET_PIP_CACHE_OLDEST)
	rm -rf $(COLLECTION_OLDEST) && mkdir -p $(COLLECTION_OLDEST) && cp -a $(COLLECTION)/. $(COLLECTION_OLDEST)/
	$(ANSIBLE_TEST_OLDEST) sanity --local --python 3.11 --requirements --test ansible-doc --test validate-modules --test compile
	$(ANSIBLE_TEST_OLDEST) units --local --python 3.11 $(UNITS_OLDEST)
	$(ANSIBLE_TEST_OLDEST) integration --local --python 3.11 --allow-destructive report_artifact

test: publish-check oldest
