# Attune — the two commands of the README are `make demo` and `make test`.
# Both install everything they need: Debian packages (when run as root on Debian/Ubuntu),
# a virtualenv with the locked Python dependencies, then do their job.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed-lock
# WeasyPrint's libraries (without libharfbuzz-subset0 PDFs render about 3x slower), fonts with
# wide Unicode coverage for names on certificates, Debian's chromium for browser tests, and
# poppler-utils and zbar-tools so that the tests can rasterise a certificate and read its QR code,
# and gettext for the translation catalogues (makemessages, compilemessages).
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
	fonts-dejavu-extra chromium poppler-utils zbar-tools gettext
POSTGRES_TEST_URL ?= postgres://postgres@127.0.0.1:5432/attune
# The design system (U.S. Web Design System) and axe-core come from the npm registry, pinned by
# cms/frontend/package-lock.json; `make frontend` compiles Attune's USWDS theme into
# static/uswds/ (not committed), so nothing is fetched from a CDN at run time.
FRONTEND := cms/frontend
UI := static/uswds
UI_STAMP := $(UI)/.built
USWDS := $(FRONTEND)/node_modules/@uswds/uswds

.PHONY: demo test test-fast install system-deps python-deps frontend messages checks test-sqlite \
	test-postgres lock clean

demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo "Attune demo: http://127.0.0.1:8000  (logins in README.md; password attune-demo)"
	$(PY) manage.py runserver 127.0.0.1:8000

# The suite: the non-browser tests on SQLite, then every test, the real-browser ones included,
# on PostgreSQL (the production database), each run spread over the machine's cores
# (pytest-xdist); the PostgreSQL run measures branch coverage and fails below the floor.
test: install checks test-sqlite test-postgres

# The quick loop while developing: the non-browser tests on SQLite, in parallel, no coverage.
test-fast: install test-sqlite

install: system-deps python-deps frontend

system-deps:
	@missing=""; \
	command -v npm >/dev/null 2>&1 || missing="nodejs npm"; \
	for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing system packages:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	else \
		echo "Please install these Debian/Ubuntu packages (or your system's equivalents):$$missing"; \
	fi

python-deps: $(STAMP)

$(STAMP): requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@# pip 23.2 (Python 3.11's bundled one) lets an extra such as weasyprint's fonttools[woff]
	@# escape the lock's pin and then refuses it under --require-hashes: use a fixed newer pip.
	$(PIP) install --quiet --disable-pip-version-check pip==25.3
	$(PIP) install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	@touch $(STAMP)

frontend: $(UI_STAMP)

$(UI_STAMP): $(FRONTEND)/package-lock.json $(wildcard $(FRONTEND)/scss/*.scss)
	cd $(FRONTEND) && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	rm -rf $(UI) && mkdir -p $(UI)/css $(UI)/js $(UI)/fonts
	$(FRONTEND)/node_modules/.bin/sass --no-source-map --style=compressed --quiet-deps \
		--load-path=$(USWDS)/packages $(FRONTEND)/scss/attune-uswds.scss $(UI)/css/attune-uswds.css
	cp -r $(USWDS)/dist/fonts/public-sans $(USWDS)/dist/fonts/merriweather \
		$(USWDS)/dist/fonts/roboto-mono $(UI)/fonts/
	cp -r $(USWDS)/dist/img $(UI)/img
	@# with their .map files: the scripts name them, and collectstatic's manifest checks references
	cp $(USWDS)/dist/js/uswds-init.min.js* $(USWDS)/dist/js/uswds.min.js* $(UI)/js/
	@touch $(UI_STAMP)

checks:
	DJANGO_SETTINGS_MODULE=cms.settings.test $(PY) manage.py check
	DJANGO_SETTINGS_MODULE=cms.settings.test $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/ruff check .

# Tests are handed out one by one (whole files per worker, --dist loadscope, balanced worse
# and took longer here); a file's module-scoped data is then built once on each worker.
PYTEST_WORKERS ?= -n auto
POSTGRES_ANSWERS = $(PY) -c "import sys, psycopg; psycopg.connect(sys.argv[1].rsplit('/', 1)[0] + '/postgres', connect_timeout=3).close()"

# The non-browser tests on SQLite (coverage is measured in the run that has every test).
test-sqlite:
	DATABASE_URL= $(VENV)/bin/pytest $(PYTEST_WORKERS) -m "not browser"

# Every test, the browser ones included, on PostgreSQL when a server answers (DATABASE_URL if
# it names one), with branch coverage of the app code; `coverage report` then fails below the
# floor in pyproject.toml ([tool.coverage.report] fail_under, compared at its precision, one
# decimal). Without a server the whole suite runs on SQLite instead, so that nothing goes
# unchecked or unmeasured.
test-postgres:
	@url="$${DATABASE_URL:-$(POSTGRES_TEST_URL)}"; \
	case "$$url" in postgres*) ;; *) url="$(POSTGRES_TEST_URL)";; esac; \
	if $(POSTGRES_ANSWERS) "$$url" 2>/dev/null; then \
		echo "PostgreSQL answers: every test, the browser tests included, on $$url"; \
	else \
		echo "No PostgreSQL server answers at $$url: every test runs on SQLite instead."; \
		url=""; \
	fi; \
	DATABASE_URL="$$url" $(VENV)/bin/pytest $(PYTEST_WORKERS) --cov --cov-report= \
		--cov-fail-under=0 || exit 1; \
	printf 'Branch coverage of cms, modules, training and certificates (floor %s): ' \
		"$$(sed -n 's/^fail_under = //p' pyproject.toml)"; \
	$(VENV)/bin/coverage report --format=total

# Refresh the Spanish catalogue (cms/locale/es) with every string marked in the code and
# templates, then compile it. Translators fill in the msgstr entries; ATTUNE_LANGUAGES=en-us,es
# then offers Spanish to browsers that ask for it.
messages: install
	DJANGO_SETTINGS_MODULE=cms.settings.test $(PY) manage.py makemessages -l es --no-location \
		--ignore=.venv --ignore=cms/frontend --ignore=static --ignore=tests --ignore=bench \
		--ignore=test-artifacts --ignore=media
	DJANGO_SETTINGS_MODULE=cms.settings.test $(PY) manage.py compilemessages -l es --ignore=.venv

# Regenerate the lock file after changing dependencies in pyproject.toml.
lock:
	$(PIP) install --quiet uv
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements.lock

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles .pytest_cache $(UI) $(FRONTEND)/node_modules \
		.coverage .coverage.*
