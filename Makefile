# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
NODE_DIR := src/lpf_contract/handlers/node

.PHONY: demo test lint e2e bench install node clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# Stamp files make re-runs cheap; they depend on what they install from.
$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[dev]'
	touch $@ $(VENV)/.installed

# The platform's Node builds (V1 14.19.0, V2 22) and modules, installed with npm into the per-user
# cache ($$LPF_CONTRACT_CACHE or ~/.cache/lpf-contract) the way first use does; quick when present.
install: $(VENV)/.installed node
node: $(VENV)/.installed
	@command -v npm >/dev/null || { echo "npm not found: install Node.js with npm (used once, to install the platform's Node builds)" >&2; exit 2; }
	$(VENV)/bin/lpf-contract setup

# Verifies the bundled V1 example lambda against the current contract; reports land in reports/.
demo: $(VENV)/.installed node
	$(VENV)/bin/lpf-contract verify examples/handlers/survey_v1.js --report-dir reports

# The layers of ARCHITECTURE.md (import-linter), formatting, lint and types; `make test` runs it first.
lint: $(VENV)/.installed-dev
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff format --check src tests
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/mypy

test: lint node
	CI=$${CI:-true} $(PY) -m pytest -q -p no:cacheprovider

# A real browser renders conformance.html (LPF_E2E=1 un-hides tests/e2e); screenshots land in reports/.
e2e: $(VENV)/.installed-dev
	command -v chromium >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)
	LPF_E2E=1 $(PY) -m pytest -q -p no:cacheprovider tests/e2e

bench: $(VENV)/.installed-dev node
	@for f in bench/bench_*.py; do echo "== $$f"; $(PY) $$f || exit $$?; done

# The Node cache is per user and shared by checkouts: `rm -rf ~/.cache/lpf-contract` to drop it.
clean:
	rm -rf $(VENV) $(NODE_DIR)/node_modules reports/*.json reports/*.md reports/*.html reports/*.xml reports/*.png
