# Vigil: `make` builds build/vigil (Release); `make test` installs, builds and runs every test;
# `make demo` installs, builds and runs the main job on the bundled data.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps configure build test demo bench clean asan

all: build

deps:
	@bash scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

demo: build
	@bash scripts/demo.sh $(BUILD)/vigil

bench: build
	@bash scripts/bench.sh $(BUILD)

# Whole test suite under AddressSanitizer + UndefinedBehaviorSanitizer (docs/robustness.md).
# Any sanitizer report fails the test that hit it; tests labelled asan_slow are left out here
# (each says why where it is labelled).
ASAN_OPTIONS ?= detect_leaks=1:abort_on_error=1:strict_string_checks=1
UBSAN_OPTIONS ?= print_stacktrace=1:halt_on_error=1
asan:
	@$(MAKE) --no-print-directory build BUILD=build-asan \
	  CMAKE_FLAGS="-DCMAKE_BUILD_TYPE=RelWithDebInfo -DVIGIL_SANITIZE=ON -DVIGIL_BUILD_BENCH=OFF"
	@cd build-asan && ASAN_OPTIONS=$(ASAN_OPTIONS) UBSAN_OPTIONS=$(UBSAN_OPTIONS) \
	  ctest --output-on-failure -j $(JOBS) -LE asan_slow

clean:
	rm -rf $(BUILD) build-asan
