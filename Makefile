# onRetail: `make run` serves the demo, `make test` runs every test.
PYTHON ?= python3.11
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
SAO := $(CURDIR)/web/node_modules/tryton-sao

# make serve's PostgreSQL: the one given, else a local cluster (serve.py)
SERVE_DATABASE_URI := $(TRYTOND_DATABASE__URI)

# Where trytond finds its database and the web client (see onretail.conf).
export TRYTOND_DATABASE__URI ?= sqlite://
export TRYTOND_DATABASE__PATH ?= $(CURDIR)/var/db
export TRYTOND_WEB__LISTEN ?= 127.0.0.1:8000
export TRYTOND_WEB__ROOT ?= $(SAO)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run serve test bench-pricelist bench-wallet bench-pos bench-pos-browser bench-cartum bench-kulcs bench-load bootstrap system-packages postgresql-package clean

# trytond, its scheduler (trytond-cron) and the partner sandboxes (cituro,
# Planet, Cartum) of the demo, side by side (scripts/run_demo.py); Ctrl-C
# stops them all.
run: bootstrap
	$(BIN)/python scripts/setup_database.py -c onretail.conf -d onretail
	@echo "onRetail serves the web client on http://$$TRYTOND_WEB__LISTEN/ (Ctrl-C stops it, the scheduler and the partner sandboxes)"
	exec $(BIN)/python scripts/run_demo.py -c onretail.conf -d onretail

# The production shape on PostgreSQL (scripts/serve.py, deploy/trytond.conf):
# trytond under gunicorn with ONRETAIL_WORKERS workers (default: the cores),
# the scheduler and the queue worker; Ctrl-C stops them all.
serve: bootstrap postgresql-package
	exec env TRYTOND_DATABASE__URI='$(SERVE_DATABASE_URI)' \
		$(BIN)/python scripts/serve.py -d onretail

test: bootstrap system-packages
	$(BIN)/python tests/run.py

# Benchmarks print figures; they are not tests (see README, Performance).
bench-pricelist: bootstrap system-packages
	$(BIN)/python bench/pricelist.py

bench-wallet: bootstrap system-packages
	$(BIN)/python bench/wallet.py

bench-pos: bootstrap system-packages
	$(BIN)/python bench/pos.py

bench-pos-browser: bootstrap system-packages
	$(BIN)/python bench/pos_browser.py

bench-cartum: bootstrap system-packages
	$(BIN)/python bench/cartum.py

bench-kulcs: bootstrap system-packages
	$(BIN)/python bench/kulcs.py

bench-load: bootstrap system-packages
	$(BIN)/python bench/load.py

bootstrap: $(VENV)/.installed $(SAO)/.installed

$(VENV)/.installed: pyproject.toml iot/pyproject.toml sandbox/pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -c constraints.txt -e '.[test]' -e ./iot -e ./sandbox
	$(BIN)/python -c 'import trytond.modules.onretail_base, onretail_iot, onretail_sandbox, selenium'
	touch $@

# The web client with its runtime dependencies nested inside its own folder,
# where its index.html looks for them.
$(SAO)/.installed: web/package.json web/package-lock.json
	cd web && npm ci --omit=dev --install-strategy=nested --no-audit --no-fund
	touch $@

# What the tests need from Debian: PostgreSQL for the throwaway cluster (and
# make serve's local one), Chromium with its driver for the browser tests,
# nginx and openssl for the test of deploy/nginx.
system-packages:
	@command -v pg_virtualenv >/dev/null && command -v chromium >/dev/null \
		&& command -v nginx >/dev/null && command -v openssl >/dev/null \
		&& command -v chromedriver >/dev/null \
		|| { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq postgresql chromium chromium-driver \
			nginx-light openssl; }

# make serve's local cluster, when no PostgreSQL is given
postgresql-package:
	@test -n "$(SERVE_DATABASE_URI)" || command -v pg_ctlcluster >/dev/null \
		|| { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq postgresql; }

clean:
	rm -rf $(VENV) web/node_modules var build *.egg-info iot/*.egg-info sandbox/*.egg-info
