# Noctua: the two commands are `make demo` and `make test` (see README.md).
.PHONY: all deps build demo test asan bench package clean

JOBS ?= $(shell nproc)
# In CI warnings are errors.
TEST_PRESET := $(if $(filter true,$(CI)),ci,dev)

all: build

deps:
	@scripts/install-deps

build: deps
	@cmake --preset release >/dev/null
	@cmake --build build -j $(JOBS)

demo: build
	@scripts/demo

test: deps
	@cmake --preset $(TEST_PRESET) >/dev/null
	@cmake --build build-debug -j $(JOBS)
	@cd build-debug && ctest --output-on-failure -j $(JOBS)

# The .deb: Release, prefix /usr, no tests (docs/operations.md, "Deploy").
package: deps
	@cmake --preset package >/dev/null
	@cmake --build build-package -j $(JOBS)
	@cd build-package && cpack -G DEB

asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build build-asan -j $(JOBS)
	@cd build-asan && ctest --output-on-failure -j $(JOBS)

clean:
	rm -rf build build-debug build-asan build-tsan build-package
