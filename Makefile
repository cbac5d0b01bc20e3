# The two commands of the README: `make run` (the demo) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000

.PHONY: run dev test lint demo static clean messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt -c constraints.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt constraints.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt -c constraints.txt
	touch $@

demo: $(VENV)/.installed
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py load_demo

static: $(VENV)/.installed
	$(BIN)/python manage.py collectstatic --noinput -v0

# The demo on the production server: gunicorn (config/gunicorn.conf.py), static files by whitenoise, DEBUG off.
run: demo static
	@echo "Démo sur http://$(HOST)/ (Ctrl+C pour arrêter)"
	BIND=$(HOST) $(BIN)/gunicorn -c config/gunicorn.conf.py config.wsgi

# Development: Django's server with auto-reload and DEBUG on.
dev: demo
	DEBUG=1 $(BIN)/python manage.py runserver $(HOST)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/python manage.py makemigrations --check --dry-run -v0
	$(BIN)/pytest $(PYTEST_ARGS)

# The French catalogue: the interface is written in French, so each message is its own translation; the
# catalogue is there for French plural rules (0 and 1 take the singular). Rebuilt from scratch each time: merging
# into the old one leaves "fuzzy" guesses (another message's text), which gettext skips, and a skipped plural
# falls back to the English rule ("0 entreprises"). Needs GNU gettext; the compiled .mo is committed, so running
# the demo does not.
PO := locale/fr/LC_MESSAGES/django.po
messages: $(VENV)/.installed
	rm -f $(PO)
	$(BIN)/python manage.py makemessages -l fr --no-obsolete --ignore=.venv --ignore=bench --ignore=tests
	msgen $(PO) -o $(PO)
	msgattrib --clear-fuzzy $(PO) -o $(PO)
	$(BIN)/python manage.py compilemessages -l fr --ignore=.venv

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm var staticfiles .pytest_cache
