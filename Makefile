# Jiebang — the two commands are `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PYTEST_ARGS ?= -n 2 --dist loadgroup

.PHONY: run test worker worker-bulk backup restore bench lint i18n-extract i18n-update translations install

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/python -m webapp.assets
	touch $@

translations: install
	@$(BIN)/python -m webapp.assets
	$(BIN)/pybabel -q compile --use-fuzzy -d webapp/translations

run: install translations
	$(FLASK) db upgrade
	$(FLASK) demo load
	$(FLASK) run --host 127.0.0.1 --port 5000

# Production runs workers per queue (README): the beat, the clock and the day's work; bulk jobs.
worker: install translations
	$(BIN)/celery -A worker worker --beat --loglevel INFO --queues celery,clock --concurrency 2 \
		--schedule instance/celerybeat-schedule

worker-bulk: install translations
	$(BIN)/celery -A worker worker --loglevel INFO --queues bulk --concurrency 1 --hostname bulk@%h

# The whole suite on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL at the same time: much
# of each run waits on browsers, live servers and workers, so the two share the cores well. Each run
# has its own databases and Redis numbers; the PostgreSQL run's report follows the SQLite run's, and
# the failures of both are listed again at the end.
test: install translations
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@if [ -z "$$TEST_DATABASE_URL" ]; then exec $(BIN)/pytest $(PYTEST_ARGS) --db sqlite; fi; \
	report=$$(mktemp -d); \
	$(BIN)/pytest $(PYTEST_ARGS) --db postgresql > $$report/postgresql.log 2>&1 & postgresql=$$!; \
	{ $(BIN)/pytest $(PYTEST_ARGS) --db sqlite; echo $$? > $$report/sqlite.rc; } | tee $$report/sqlite.log; \
	sqlite=$$(cat $$report/sqlite.rc); wait $$postgresql; pg=$$?; \
	echo "== the same suite on PostgreSQL =="; cat $$report/postgresql.log; \
	echo "== what failed on SQLite, then on PostgreSQL =="; \
	grep -E '^(FAILED|ERROR) ' $$report/sqlite.log $$report/postgresql.log || echo "(nothing)"; \
	rm -rf $$report; \
	echo "== SQLite: exit $$sqlite; PostgreSQL: exit $$pg"; \
	test $$sqlite -eq 0 && test $$pg -eq 0

# A backup of the configured database (uploaded files included) into backups/, and its restore.
backup: install
	$(FLASK) backup create backups/jiebang-$$(date -u +%Y%m%dT%H%M%SZ).backup

restore: install
	@test -n "$(FILE)" || (echo "make restore FILE=backups/….backup" && exit 2)
	$(FLASK) backup restore "$(FILE)"
	$(FLASK) db upgrade

bench: install translations
	$(BIN)/python -m bench

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The catalogue template from the code; i18n-update also merges it into the zh_CN catalogue.
i18n-extract: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -o webapp/translations/messages.pot .

i18n-update: i18n-extract
	$(BIN)/pybabel update -i webapp/translations/messages.pot -d webapp/translations --no-fuzzy-matching
