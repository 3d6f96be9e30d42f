# Every workflow of the project. `make run` and `make test` set up what they need first.
PYTHON3 ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-requirements
MICROPYTHON ?= $(CURDIR)/$(VENV)/bin/micropython
export MICROPYTHON
# How a board sees the tree: frozen modules, lib/ as a path entry, the root for firmware/ and boards/.
MP_PATH := .frozen:lib:.

.PHONY: setup test pytest mptest mpy run bench clean

setup: $(STAMP)

# Rebuilt when requirements.txt changes, so a stale .venv never goes unnoticed.
$(STAMP): requirements.txt
	sh tools/setup_venv.sh $(PYTHON3) $(VENV)
	touch $@

test: setup
	$(MAKE) --no-print-directory pytest mptest mpy

pytest: setup
	$(PY) -m pytest -q host_tests

mptest: setup
	MICROPYPATH=$(MP_PATH) $(MICROPYTHON) host_tests/mp_runner.py host_tests/portable

mpy: setup
	$(PY) tools/mpy_build.py build/mpy

run: setup
	$(PY) tools/demo.py $(if $(CSMS),--csms $(CSMS))

bench: setup
	$(PY) tools/bench.py

clean:
	rm -rf build .pytest_cache
