# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MODEL_DIR ?= var/model
STAMP := $(VENV)/.requirements-installed

.PHONY: run test model bench install clean-model

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

$(MODEL_DIR)/model.joblib: $(STAMP)
	MODEL_DIR=$(MODEL_DIR) $(PY) -m classifier train

# Train the default model when it is missing (delete var/model to retrain).
model: $(MODEL_DIR)/model.joblib

run: model
	$(PY) scripts/seed_demo.py

test: $(STAMP)
	$(PY) -m pytest -q

bench: model
	$(PY) scripts/bench_classifier.py

clean-model:
	rm -rf $(MODEL_DIR)
