# The two commands on a fresh clone: `make run` (the demo) and `make test` (the suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.install-stamp
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install run test lint bench seed constraints clean prod-smoke load

install: $(STAMP)

$(STAMP): setup.cfg pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

run: install
	$(FLASK) db upgrade
	$(FLASK) seed demo
	POLICYHUB_SCHEDULER=$${POLICYHUB_SCHEDULER:-inline} POLICYHUB_BASE_URL=$${POLICYHUB_BASE_URL:-http://$(HOST):$(PORT)} \
		$(FLASK) serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

# The production shape on loopback (docs/deploy.md): needs PostgreSQL and Redis; EMPTIES the smoke database.
prod-smoke: install
	$(BIN)/python scripts/prod_smoke.py

# The mixed load against that shape (bench/load_mixed.py); bounded in requests and seconds.
load: install
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[load]'
	$(BIN)/python bench/load_mixed.py $(LOAD_ARGS)

bench: install
	for b in bench/*.py; do [ $$b = bench/load_mixed.py ] && continue; echo "== $$b"; $(BIN)/python $$b || exit 1; done

constraints: install
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^#' > constraints.tmp
	{ echo "# Pinned versions CI tested; 'make install' installs with -c constraints.txt. Regenerate with 'make constraints'."; cat constraints.tmp; } > constraints.txt
	rm constraints.tmp

clean:
	rm -rf $(VENV) instance .pytest_cache
