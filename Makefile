# ladderdata developer commands. `make setup` installs everything (system packages too) into .venv.
PY ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)
APT_PACKAGES := libusb-1.0-0 libgl1 libgomp1 chromium

.PHONY: setup system venv test test-fast lint bench sample build clean

setup: system venv

system:
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $(APT_PACKAGES)

venv:
	@command -v $(PY) >/dev/null || (echo "error: $(PY) not found; install Python 3.11 or run make PY=python3 setup" && exit 1)
	[ -x $(BIN)/python ] || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip setuptools wheel
	# torch/torchvision: a matched pair that installs from the machine's local wheel store (README).
	$(BIN)/pip install -q -e '.[video,audit,hub,ray,train,dev]'

test:
	$(BIN)/python -m pytest -q -n 2 --timeout 900

test-fast:
	$(BIN)/python -m pytest -q -m "not slow" --timeout 600

lint:
	$(BIN)/ruff check ladderdata tests bench
	$(BIN)/ruff format --check ladderdata tests bench

bench:
	$(BIN)/python -m bench.run

sample:
	$(BIN)/ladderdata sample

build:
	$(BIN)/ladderdata build

clean:
	rm -rf build .pytest_cache
