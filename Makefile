# ptsim entry points. `make run` and `make test` do all the set-up on a fresh Debian 12.
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS  ?= $(shell nproc 2>/dev/null || echo 2)
CONFIG ?= configs/default.yaml
# make fuzz: seconds each libFuzzer harness runs
SECONDS ?= 60

.PHONY: all deps configure build run test asan-configure test-asan check-all fuzz bench reproduce \
	clean

all: build

deps:
	@./scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPTSIM_WERROR=ON >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	./$(BUILD)/ptsim run $(CONFIG)

# The whole suite (one short scenario under valgrind among it), then again built with
# AddressSanitizer and UndefinedBehaviorSanitizer (clang, leak detection on; the fuzz harness
# runs a few seconds there), its fast subset. README.md, "Robustness".
test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@$(MAKE) --no-print-directory test-asan

asan-configure: deps
	@CC=clang CXX=clang++ cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DPTSIM_WERROR=ON -DPTSIM_SANITIZE=ON -DPTSIM_FUZZ=ON >/dev/null

# The sanitizer build's fast subset: the tests labelled check-all (tests/bad through every
# command, the speed figures) wait for make check-all.
ASAN_CTEST ?= -LE check-all
test-asan: asan-configure
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		ctest --output-on-failure -j $(JOBS) $(ASAN_CTEST)

# Everything: make test with the whole sanitizer suite, then the slow checks (README.md,
# "Robustness"): a Debug build with -Werror (gcc warns differently without optimisation),
# each fuzz harness for a minute, and 3 minutes of random --set overrides of the shipped
# configs that check accepts.
check-all: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@$(MAKE) --no-print-directory test-asan ASAN_CTEST="-LE quick"
	@cmake -S . -B build-debug -DCMAKE_BUILD_TYPE=Debug -DPTSIM_WERROR=ON >/dev/null
	@cmake --build build-debug -j $(JOBS)
	./tests/fuzz/run.sh ./$(ASAN_BUILD)/tests/fuzz_config 60 $(ASAN_BUILD)/fuzz \
		tests/fuzz/regressions configs tests/bad
	./tests/fuzz/run.sh ./$(ASAN_BUILD)/tests/fuzz_sweep 60 $(ASAN_BUILD)/fuzz \
		tests/fuzz/regressions configs/sweeps tests/bad
	python3 tests/fuzz/check_then_run.py ./$(BUILD)/ptsim --minutes 3

# Run every libFuzzer harness for SECONDS (make fuzz SECONDS=3600); what it learns stays in
# $(ASAN_BUILD)/fuzz/, a crash is written there (copy it to tests/fuzz/regressions/).
fuzz: asan-configure
	@cmake --build $(ASAN_BUILD) -j $(JOBS) --target fuzz_config fuzz_sweep
	./tests/fuzz/run.sh ./$(ASAN_BUILD)/tests/fuzz_config $(SECONDS) $(ASAN_BUILD)/fuzz \
		tests/fuzz/regressions configs tests/bad
	./tests/fuzz/run.sh ./$(ASAN_BUILD)/tests/fuzz_sweep $(SECONDS) $(ASAN_BUILD)/fuzz \
		tests/fuzz/regressions configs/sweeps tests/bad

bench: build
	./$(BUILD)/ptsim-bench

# Every reproduction of a published figure (analysis/reproductions/README.md): first how long
# it will take (runs x a measured cost per run), then each one's tables; figures in
# $(BUILD)/reproductions/. FULL=1: full resolution.
reproduce: build
	python3 analysis/reproductions/run_all.py ./$(BUILD)/ptsim -j $(JOBS) \
		--out $(BUILD)/reproductions $(if $(FULL),--full)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-debug
