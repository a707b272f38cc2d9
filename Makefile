# Thin wrapper over meson + ninja. `make` builds into build/.
BUILD      ?= build
ASAN_BUILD ?= build-asan
MESON_OPTS ?=
RUNTIME     = $(BUILD)/src/runtime/berth-runtime

.PHONY: all build deps run test test-unit test-asan test-integration format check-format clean man

all: build

deps:
	@scripts/install-deps

$(BUILD)/build.ninja:
	meson setup $(BUILD) $(MESON_OPTS)

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

# Starts berthd if no daemon answers and runs a busybox container (the image
# is made from the host's busybox-static).
run: deps build
	@BUILD=$(abspath $(BUILD)) scripts/run-demo

# Every test: unit tests, unit tests under ASan+UBSan, integration tests as
# root, the format check. Ends with "N passed, N failed".
test: deps
	@scripts/run-tests

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

check-format:
	@scripts/check-format

man: build
	docs/build-man $(BUILD)/man

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
