# ReviewBench. `make run` and `make test` are the two commands a newcomer needs (see README.md).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test lint fmt bench faults eval worker demo clean venv

venv: $(STAMP)

$(STAMP): requirements.txt scripts/find-python
	@if [ ! -x $(PY) ]; then py=$$(scripts/find-python) && echo "using $$py" && $$py -m venv $(VENV); fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

# Embedded default: SQLite under var/, kombu's filesystem broker, a Celery worker (with beat)
# beside the web server, a demo login and demo pull requests analysed by the real pipeline.
run: venv
	PORT=$(PORT) scripts/run-local

test: venv
	$(VENV)/bin/pytest -q -n 2 --dist loadgroup

# mypy imports the settings through django-stubs: debug mode needs no secret key.
lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/bandit -q -c pyproject.toml -r reviewbench github_app findings bench scripts manage.py
	DJANGO_DEBUG=1 $(VENV)/bin/mypy findings github_app reviewbench bench

fmt: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Recall and false-positive rate per class and language on tests/corpus (docs/CORPUS.md).
eval: venv
	DJANGO_DEBUG=1 $(PY) manage.py evaluate --strict
	DJANGO_DEBUG=1 $(PY) manage.py checklist_coverage

bench: venv
	$(PY) -m bench

# Faults injected into the real processes; one `FAULT name: measured (goal) ok|FAIL` line each.
faults: venv
	$(PY) -m bench.faults

clean:
	rm -rf var
