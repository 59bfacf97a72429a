# The two commands of README.md: `make run` and `make test`.
BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: deps build run test clean

deps:
	@scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo > $(BUILD).configure.log 2>&1 || (cat $(BUILD).configure.log; exit 1)
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@scripts/quickstart.sh $(BUILD)

# A failing test gets one more run (reported by ctest as a failure first): the sampling
# round trip to the TypeScript reference server in tests/gateway hangs in about 1 run of 8
# on this shared 2-core machine, cause not yet found (see docs/architecture.md). A test that
# fails twice fails the run.
test: build
	@ctest --test-dir $(BUILD) --output-on-failure --timeout 900 --repeat until-pass:2

clean:
	rm -rf $(BUILD) $(BUILD).configure.log
