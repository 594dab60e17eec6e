# Two commands set up a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test install bench screenshots clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,dask]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PY) -m tagger.cli.demo

test: $(STAMP)
	$(PY) -m mypy
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) -m benchmarks

# The review page's screenshots in docs/, taken by its browser test (needs chromium: see .ci/run).
screenshots: $(STAMP)
	TAGGER_SCREENSHOTS=docs $(PY) -m pytest -q tests/test_review_page.py

clean:
	rm -rf $(VENV) build src/*.egg-info
