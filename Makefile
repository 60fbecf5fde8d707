# Two commands on a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
STAMP := $(VENV)/.installed
CATALOGS := webapp/translations
HOST ?= 127.0.0.1
PORT ?= 5000
# where drivers reach `make run`: the links in mails and the APDS sandbox's webhook subscription follow it
# (PORT=5110 make run subscribed port 5000: ticketless entries never reached the page). A server listening
# on every address is reached on 127.0.0.1; set PUBLIC_BASE_URL yourself for another machine's view.
PUBLIC_HOST = $(if $(filter 0.0.0.0 ::,$(HOST)),127.0.0.1,$(HOST))
PUBLIC_BASE_URL ?= http://$(PUBLIC_HOST):$(PORT)
# the street map of `make run`: OpenStreetMap's standard tiles (openly licensed, attribution required;
# fine for a demo's light use, see README "Map tiles" for a deployment). `make run MAP_TILE_URL=` runs
# without one; offline the map shows names as labels. Never exported: the tests run without tiles.
MAP_TILE_URL ?= https://tile.openstreetmap.org/{z}/{x}/{y}.png
MAP_TILE_ATTRIBUTION ?= &copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors

.PHONY: install assets translations messages migrate demo run jobs test fuzz lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# reinstall only when the pinned requirements change
$(STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

## install: virtualenv, pinned packages, front-end assets, compiled translations
install: $(STAMP) assets translations

assets: $(STAMP)
	$(BIN)/python -m webapp.web.assets

translations: $(STAMP)
	$(BIN)/pybabel compile --statistics -d $(CATALOGS)

## messages: re-extract UI strings and merge them into the fi/sv/ko catalogs
messages: $(STAMP)
	$(BIN)/pybabel extract -F $(CATALOGS)/babel.cfg -k _l --ignore-dirs=".*" -o $(CATALOGS)/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i $(CATALOGS)/messages.pot -d $(CATALOGS)

migrate: install
	$(FLASK) db upgrade

## demo: demo driver and admin (demo-only passwords, see README)
demo: migrate
	PUBLIC_BASE_URL='$(PUBLIC_BASE_URL)' $(FLASK) demo load

## run: everything, then serve http://$(HOST):$(PORT) with the embedded sandboxes, one job consumer
## (reconciliation sweep, Seoul demo feed) and a mail catcher on 127.0.0.1:8025 that prints every mail
## the app sends (sign-up, password reset); Ctrl-C stops them all
run: demo
	@$(BIN)/python -m aiosmtpd -n -l 127.0.0.1:8025 & catcher=$$!; \
	PUBLIC_BASE_URL='$(PUBLIC_BASE_URL)' $(FLASK) jobs consume & consumer=$$!; \
	trap 'kill -INT $$consumer 2>/dev/null; kill $$catcher 2>/dev/null; wait $$consumer' INT TERM EXIT; \
	MAP_TILE_URL='$(MAP_TILE_URL)' MAP_TILE_ATTRIBUTION='$(MAP_TILE_ATTRIBUTION)' PUBLIC_BASE_URL='$(PUBLIC_BASE_URL)' \
	$(FLASK) run --host $(HOST) --port $(PORT)

## jobs: one job consumer alone (beside gunicorn); start N of them to scale out, see README "Background jobs"
jobs: migrate
	PUBLIC_BASE_URL='$(PUBLIC_BASE_URL)' $(FLASK) jobs consume

## test: the same set-up, then the whole suite (DATABASE_URL=postgresql+psycopg://… for PostgreSQL)
test: install
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest

## fuzz: the property-based suite with many more cases (`make test` runs it short); prints the cases
## tried and the failures of every test
fuzz: install
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest tests/fuzz --hypothesis-show-statistics

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: install
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) static/vendor instance/sandbox
