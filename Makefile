# The verbs of this project. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python 3.10 (Rasa 3.6 refuses 3.11): PATH first, then pyenv.
PYTHON310 ?= $(shell for c in python3.10 $$(ls -d $$(pyenv root 2>/dev/null || echo $$HOME/.pyenv)/versions/3.10*/bin/python 2>/dev/null | sort -rV); do \
	command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null && { command -v $$c; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
export PYTHONPATH := $(CURDIR)
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
# Rasa must never phone home.
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2

NLU_DATA := $(shell find data -name '*.yml' 2>/dev/null)
SPACY_MODEL := var/spacy_nl
SPACY_STAMP := $(SPACY_MODEL)/.built
DB_STAMP := var/.socialmap-db.built
MODEL_STAMP := models/.trained
GAZETTEER := socialmap/data/gazetteer/drenthe.csv
DEMO_DATA := $(shell find socialmap/data/demo -type f 2>/dev/null)

.PHONY: help setup run run-cluster bench-cluster test train eval bench shell lint typecheck validate clean browser-deps scale-deps pytest rasa-test

help: ## list the verbs
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON310)" || { echo "error: Python 3.10 not found on PATH or under pyenv (Rasa 3.6 needs 3.10)"; exit 1; }
	@echo "==> creating $(VENV) with $(PYTHON310)"
	$(PYTHON310) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

$(SPACY_STAMP): $(VENV)/.installed $(GAZETTEER) socialmap/nlp_pipeline.py
	@echo "==> building the Dutch spaCy pipeline in $(SPACY_MODEL)"
	$(PY) -m socialmap nlp-build --out $(SPACY_MODEL)
	touch $@

$(DB_STAMP): $(VENV)/.installed $(GAZETTEER) $(DEMO_DATA) socialmap/catalog.py socialmap/importer.py
	@echo "==> building the social-map database"
	$(PY) -m socialmap build-db
	touch $@

# SYNTHETIC conversations for the signals dashboard (marked synthetic everywhere; about 10 s, idempotent).
SIGNALS_DEMO_STAMP := var/.signals-demo.built
$(SIGNALS_DEMO_STAMP): $(DB_STAMP) scripts/make_signals_demo.py
	@echo "==> synthetic demo signals for /medewerkers/signalen"
	$(PY) -m scripts.make_signals_demo
	touch $@

setup: $(VENV)/.installed $(SPACY_STAMP) $(DB_STAMP) $(SIGNALS_DEMO_STAMP) ## install everything, build the pipeline and database

$(MODEL_STAMP): $(SPACY_STAMP) config.yml domain.yml $(NLU_DATA)
	@echo "==> training the assistant (only because data, domain or config changed)"
	@mkdir -p models && touch $@.started
	$(RASA) train --fixed-model-name sociale-kaart --out models
	@# the stamp carries the time training started: a file changed meanwhile trains again next time
	mv $@.started $@

train: setup $(MODEL_STAMP) ## train the Rasa model when data, domain or config changed

run: setup $(MODEL_STAMP) ## start action server, Rasa and the demo site; Ctrl-C stops all
	$(PY) -m scripts.run_all

run-cluster: setup $(MODEL_STAMP) scale-deps ## PostgreSQL, Redis, 2 Rasa replicas, 2 action servers, web, nginx on one port; Ctrl-C stops all
	$(PY) -m scripts.cluster

shell: setup $(MODEL_STAMP) ## rasa shell with the action server running
	$(PY) -m scripts.run_all --shell

lint: $(VENV)/.installed ## ruff
	$(VENV)/bin/ruff check socialmap actions rasa_addons web scripts tests

typecheck: $(VENV)/.installed ## mypy on the domain package
	$(VENV)/bin/mypy

validate: setup ## rasa data validate, zero warnings allowed
	$(PY) -m scripts.validate_data

browser-deps: ## Debian chromium for the browser tests (installed when missing)
	@command -v chromium >/dev/null 2>&1 || { echo "==> installing Debian chromium"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) || \
		{ echo "error: could not install chromium (needs root and Debian's package registry)"; exit 1; }; }

scale-deps: ## Debian postgresql, redis-server, nginx and rabbitmq-server for the scale-out tests (installed when missing)
	@{ ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && command -v redis-server >/dev/null 2>&1 \
		&& { command -v nginx || test -x /usr/sbin/nginx; } >/dev/null 2>&1 \
		&& { command -v rabbitmq-server || test -x /usr/sbin/rabbitmq-server; } >/dev/null 2>&1; } || { \
		echo "==> installing Debian postgresql, redis-server, nginx and rabbitmq-server"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql redis-server nginx-light rabbitmq-server) || \
		{ echo "error: could not install postgresql/redis-server/nginx/rabbitmq-server (needs root and Debian's package registry)"; exit 1; }; }

pytest: setup $(MODEL_STAMP) browser-deps scale-deps
	$(PY) -m pytest -p no:cacheprovider

rasa-test: setup $(MODEL_STAMP)
	$(PY) -m scripts.rasa_story_test

test: setup browser-deps scale-deps lint typecheck validate $(MODEL_STAMP) ## set up, then run every test
	$(PY) -m pytest -p no:cacheprovider
	$(PY) -m scripts.rasa_story_test

eval: setup $(MODEL_STAMP) ## NLU cross-validation + test-set report, search relevance, into results/
	@# NLU bars missed (exit 1) must not hide the search figures; the worst exit code wins.
	$(PY) -m scripts.evaluate; nlu=$$?; $(PY) -m scripts.evaluate_search; search=$$?; exit $$(( nlu > search ? nlu : search ))

bench: setup $(MODEL_STAMP) ## search, import and load benchmarks; prints the figures
	$(PY) -m scripts.bench

bench-cluster: setup $(MODEL_STAMP) scale-deps ## load test against one Rasa replica and two behind nginx; prints the figures
	$(PY) -m scripts.bench_cluster

clean: ## remove built artefacts (not the venv)
	rm -rf var/* models results/* .pytest_cache
