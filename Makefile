# ptsim entry points. `make run` and `make test` do all the set-up on a fresh Debian 12.
BUILD ?= build
JOBS  ?= $(shell nproc 2>/dev/null || echo 2)
CONFIG ?= configs/default.yaml

.PHONY: all deps configure build run test bench clean

all: build

deps:
	@./scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPTSIM_WERROR=ON >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	./$(BUILD)/ptsim run $(CONFIG)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

bench: build
	./$(BUILD)/ptsim-bench

clean:
	rm -rf $(BUILD)
