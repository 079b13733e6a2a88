# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MODEL_DIR ?= var/model
STAMP := $(VENV)/.requirements-installed

.PHONY: run test model demo bench bench-webhook bench-review bench-coral soak external adapt-demo bench-adapt data-audit install migrate clean-model check audit notebook evidence screenshots

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

$(MODEL_DIR)/model.joblib: $(STAMP)
	MODEL_DIR=$(MODEL_DIR) $(PY) -m classifier train

# Train the default model when it is missing (`make clean-model model` retrains).
model: $(MODEL_DIR)/model.joblib

# The webhook on $$HOST:$$PORT (127.0.0.1:8000) with the embedded SQLite store;
# gunicorn's master runs the migrations (webhook/gunicorn.conf.py). A local demo: endpoints whose keys
# are not set answer loopback clients without credentials (never run it this way behind a proxy).
run: model
	@echo "make run: local demo, ALLOW_UNAUTHENTICATED_LOOPBACK=1: endpoints without keys answer loopback clients"
	ALLOW_UNAUTHENTICATED_LOOPBACK=1 MODEL_DIR=$(MODEL_DIR) $(PY) -m gunicorn -c webhook/gunicorn.conf.py webhook.wsgi:app

migrate: $(STAMP)
	$(PY) -m webhook.migrate

# Moderate the five seed comments from ../shared/seeds and print the decisions.
demo: model
	MODEL_DIR=$(MODEL_DIR) $(PY) scripts/seed_demo.py

# Coral's own response validation runs on real joi (tests/webhook/peers); node comes from Debian.
PEERS_NODE := tests/webhook/peers/node_modules/.installed
$(PEERS_NODE): tests/webhook/peers/package.json tests/webhook/peers/package-lock.json
	npm ci --silent --prefix tests/webhook/peers
	touch $(PEERS_NODE)

test: $(STAMP) $(PEERS_NODE)
	$(PY) -m pytest -q

# The browser test writes a screenshot of each review page under var/screenshots/ on every run; this copies
# the ones the README shows into docs/, on purpose (then look at them and commit them).
DOC_SCREENSHOTS := queue comment shortcuts
screenshots: model
	TEST_MODEL_DIR=$(MODEL_DIR) $(PY) -m pytest -q tests/webhook/test_review_browser.py
	for name in $(DOC_SCREENSHOTS); do cp var/screenshots/$$name.png docs/review-$$name.png; done

# Latency and throughput of the default pipeline, then the side-by-side comparison with MiniLM
# and a TF-IDF baseline (var/bench/compare.json and compare.md; a few minutes).
bench: model
	MODEL_DIR=$(MODEL_DIR) $(PY) scripts/bench_classifier.py
	$(PY) scripts/bench_compare.py

# The functional suite (tests/functional) and the fairness audit (tests/fairness) on the default
# model; each exits 1 when its bars in the repo are not met.
check: model
	MODEL_DIR=$(MODEL_DIR) $(PY) -m classifier check

audit: model
	MODEL_DIR=$(MODEL_DIR) $(PY) -m classifier audit

# Re-execute notebooks/evaluation.ipynb on the default model and save its outputs.
notebook: model
	MODEL_DIR=$(MODEL_DIR) $(PY) scripts/run_notebook.py

# The model on text written by strangers (../shared/external, measurement only), beside the peers.
external: model
	MODEL_DIR=$(MODEL_DIR) $(PY) -m classifier benchmark-external

# Adapt the default model to a real forum's decisions standing in for a newsroom's archive
# (../shared/external/toxifrench_dev.csv, 5-fold): the before/after table. Only adapted models see that file.
adapt-demo: model
	MODEL_DIR=$(MODEL_DIR) $(PY) -m classifier adapt --archive ../shared/external/toxifrench_dev.csv \
		--text-column content --label-column label --out var/model-adapted-demo --no-decisions

# `adapt` on a generated archive (a million rows by default): peak memory (bar: 2 GB) and time.
bench-adapt: model
	MODEL_DIR=$(MODEL_DIR) $(PY) scripts/bench_adapt.py --rows $${ROWS:-1000000} --max-in-memory $${MAX_IN_MEMORY:-200000}

# The shortcut audit of training_data/ (no model needed).
data-audit: $(STAMP)
	$(PY) -m classifier data-audit

# All the evidence of quality, in the order a reviewer reads it.
evidence: check audit data-audit external notebook bench

bench-webhook: model
	MODEL_DIR=$(MODEL_DIR) $(PY) scripts/bench_webhook.py

# The review pages (queue, comment, dashboard) with 100,000 stored comments over HTTP: p50/p95 per page, exit 1
# when a p95 reaches 300 ms. A fresh SQLite file; BENCH_REVIEW_ARGS="--database-url postgresql+psycopg://..."
# for an empty PostgreSQL database. A few minutes (the distinct texts are embedded once).
bench-review: model
	MODEL_DIR=$(MODEL_DIR) $(PY) scripts/bench_review.py $(BENCH_REVIEW_ARGS)

# Coral-shaped traffic: 16 clients, each request built as Coral 9.11.8 builds it (docs/coral.md: the timeout
# to set in Coral's admin comes from this run's saturation p99).
bench-coral: model
	MODEL_DIR=$(MODEL_DIR) BENCH_MIX=coral BENCH_CLIENTS=16 BENCH_SECONDS=60 BENCH_SATURATION_SECONDS=30 \
		$(PY) scripts/bench_webhook.py

# 5 minutes, 64 clients, half native / a quarter Coral / a quarter Perspective, on PostgreSQL, with 40 slow
# clients (part of a request, then nothing) held open throughout; BENCH_SLOW_CLIENTS=0 leaves them out.
soak: model
	MODEL_DIR=$(MODEL_DIR) BENCH_SECONDS=300 BENCH_CLIENTS=64 BENCH_MIX=mixed BENCH_DATABASE=postgresql \
		BENCH_SLOW_CLIENTS=$${BENCH_SLOW_CLIENTS:-40} BENCH_STORE_HANG_SECONDS=$${BENCH_STORE_HANG_SECONDS:-30} \
		$(PY) scripts/bench_webhook.py

clean-model:
	rm -rf $(MODEL_DIR)
