# Every workflow of the project. `make run` and `make test` set up what they need first.
PYTHON3 ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-requirements
MICROPYTHON ?= $(CURDIR)/$(VENV)/bin/micropython
export MICROPYTHON
# The 32-bit interpreter the compliance tests run the station on, as a board's heap holds
# it: built as a board's firmware is, TLS buffers in the GC heap (tools/build_micropython.sh).
MICROPYTHON32_BIN := $(VENV)/bin/micropython32
MICROPYTHON32 ?= $(CURDIR)/$(MICROPYTHON32_BIN)
export MICROPYTHON32
# How a board sees the tree: frozen modules, lib/ as a path entry, the root for firmware/ and
# boards/; from the folder a MicroPython runner works in, build/<runner> (see mptest).
MP_PATH := .frozen:../../lib:../..

# The Central Systems by others that the tests run the station against, from npm: the
# second validator (ocpp-rpc, strictMode) and the interoperability suite's (tools/interop/).
# Each is installed from its lock file, again only when that file changes.
NODE_TOOLS := tools/ocpp-rpc tools/interop/voltbras-ts-ocpp tools/interop/ocpp-ts
NODE_STAMPS := $(NODE_TOOLS:%=%/node_modules/.installed-lock)

.PHONY: setup test imports pytest mptest mptest32 mpy run bench clean frozen32 board deploy chaos

setup: $(STAMP)

# Rebuilt when requirements.txt changes, so a stale .venv never goes unnoticed.
$(STAMP): requirements.txt
	sh tools/setup_venv.sh $(PYTHON3) $(VENV)
	touch $@

$(MICROPYTHON32_BIN): tools/build_micropython.sh tools/micropython_source.sh \
		tools/setup_i686_cross.sh tools/asyncio_manifest.py tools/private_apt.sh | $(STAMP)
	ln -sf "$$(sh tools/build_micropython.sh $(VENV) board32)" $@

# The station frozen into a 32-bit firmware, for the launcher's --build frozen, which
# rebuilds it against the present tree before each run in seconds; the first build, with
# its sources and compiler, comes here rather than inside a test's time limit.
frozen32: setup
	sh tools/build_micropython.sh $(VENV) frozen32 >/dev/null

# The emulated board (boards/mps2_an385): Debian's Arm compiler and qemu-system-arm, fetched
# once (tools/setup_board_tools.sh), and its firmware, 128 KB of heap, with the station
# frozen in and without (then the station's ROMFS image, build/station.romfs). Each run
# rebuilds against the present tree, which takes seconds once built; the board's tests
# (host_tests/board) need this to have run once. BOARD_KINDS may add frozen192 and
# romfs192 (tools/build_board.sh).
BOARD_KINDS ?= frozen romfs
board: setup
	@for kind in $(BOARD_KINDS); do sh tools/build_board.sh $(VENV) $$kind || exit 1; done
	$(PY) tools/romfs_build.py

%/node_modules/.installed-lock: %/package-lock.json %/package.json
	cd $* && npm ci --no-audit --no-fund
	touch $@

# Side by side: pytest and the MicroPython runners mostly wait (about 50 s for the runners,
# 15 s of it CPU), which on 2 cores saves that time. Each target's output is held until it
# ends, so that it reads whole.
test: setup $(NODE_STAMPS) $(MICROPYTHON32_BIN) frozen32 board
	$(MAKE) --no-print-directory -j --output-sync=target imports pytest mptest mptest32 mpy

# The import graph of firmware/, lib/ and boards/: no circle, no upward import, no import
# between feature profiles (run tools/import_graph.py without -q to see the graph). The
# standard library is all it needs.
imports:
	$(PYTHON3) tools/import_graph.py -q

# The suite mostly waits (subprocesses, sockets, timers): 4 workers on 2 cores took 3 min
# where 1 took 11 (3 workers: 4); loadfile keeps each module, and a station its module's
# fixture boots once, on one worker.
PYTEST_WORKERS ?= 4
pytest: setup
	$(PY) -m pytest -q -n $(PYTEST_WORKERS) --dist loadfile host_tests

# One interpreter runs every portable module: 8M keeps the large-frame tests clear of heap
# fragmentation as the suite grows (the default 2M heap has about 0.5M live by the end).
# The portable tests keep scratch files in build/ of the folder they run in: each runner has
# its own (pytest's is the root), since `make test` runs them side by side. Paths relative to
# it, not absolute: the interpreter interns them, and an absolute one would make the heap's
# layout, so a 192 KB run's outcome, depend on where the tree was cloned.
mptest: setup
	mkdir -p build/mptest && cd build/mptest && MICROPYPATH=$(MP_PATH) $(MICROPYTHON) \
		-X heapsize=8M ../../host_tests/mp_runner.py ../../host_tests/portable

# The same modules as a board runs them: the 32-bit interpreter (MicroPython 1.25, 32-bit
# ticks and pointers) with the station frozen in, one process per module so each starts from
# an empty heap, at the 192 KB of the board's security build (the tests' own modules, compiled
# into it, take about 18 KB; the station alone runs in 128 KB: host_tests/tc.py). Frames of
# 64 KB and more cannot fit a board's heap: their module runs at a host's. Scratch files: see
# mptest.
FROZEN32 := $(CURDIR)/$(VENV)/micropython-src/ports/unix/build-frozen32/micropython
MPTEST32_HEAP ?= 192k
MPTEST32_HOST_HEAP := 512k
MPTEST32_HOST_MODULES := host_tests/portable/test_ws_frames_large.py
mptest32: frozen32
	@mkdir -p build/mptest32; failed=0; for f in host_tests/portable/test_*.py; do \
		case " $(MPTEST32_HOST_MODULES) " in *" $$f "*) heap=$(MPTEST32_HOST_HEAP) ;; \
			*) heap=$(MPTEST32_HEAP) ;; esac; \
		echo "micropython32 (frozen, $$heap): $$f"; \
		(cd build/mptest32 && MICROPYPATH=$(MP_PATH) $(FROZEN32) -X heapsize=$$heap \
			../../host_tests/mp_runner.py ../../$$f) || failed=1; \
	done; exit $$failed

mpy: setup
	$(PY) tools/mpy_build.py build/mpy

# BOARD=mps2_an385: the same demo with the station on the emulated board (its firmware and
# the 32-bit interpreter, whose littlefs programs the board's flash, built first).
run: setup $(if $(filter mps2_an385,$(BOARD)),board $(MICROPYTHON32_BIN))
	$(PY) tools/demo.py $(if $(CSMS),--csms $(CSMS)) $(if $(BOARD),--board $(BOARD))

# The station onto a board over its serial port (docs/boards.md): PORT, BOARD (default sim),
# and the provisioning settings, or PROVISION=a local JSON file of them.
# OUT=folder instead of PORT writes the image and provisioning files there; NETWORK=dhcp or
# IP/PREFIX,GATEWAY[,DNS] for the Ethernet boards (boards/w5500_evb_pico, boards/esp32_eth).
deploy: setup
	$(PY) tools/deploy.py $(if $(OUT),--out "$(OUT)",--port "$(PORT)") --board "$(or $(BOARD),sim)" \
		$(if $(PROVISION),--provision "$(PROVISION)") $(if $(IDENTITY),--identity "$(IDENTITY)") \
		$(if $(CSMS_URL),--csms-url "$(CSMS_URL)") $(if $(NETWORK),--network "$(NETWORK)") \
		$(if $(AUTHORIZATION_KEY),--authorization-key "$(AUTHORIZATION_KEY)") \
		$(if $(CA),--ca "$(CA)") $(if $(CLIENT_CERTIFICATE),--client-certificate \
		"$(CLIENT_CERTIFICATE)") $(if $(CLIENT_KEY),--client-key "$(CLIENT_KEY)")

# tools/bench_flash.py: the flash writes per idle hour and per charging session, on virtual
# time (seconds); its rows join build/bench.json.
bench: setup $(MICROPYTHON32_BIN) frozen32 board
	$(PY) tools/bench.py
	$(PY) tools/bench_flash.py

# The fault campaign's long form (docs/testing.md; `make test` runs a fixed seed set): SEED
# (default: a random one, printed first), ROUNDS, MINUTES (no round starts after them),
# RUNTIME (micropython32: the board interpreter at 128 KB; cpython; or mps2_an385: the
# emulated board, its firmware built first).
chaos: setup $(MICROPYTHON32_BIN) $(if $(filter mps2_an385,$(RUNTIME)),board)
	$(PY) tools/chaos.py $(if $(SEED),--seed $(SEED)) --rounds $(or $(ROUNDS),20) \
		$(if $(MINUTES),--minutes $(MINUTES)) --runtime $(or $(RUNTIME),micropython32)

clean:
	rm -rf build .pytest_cache
