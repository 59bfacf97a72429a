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

# A failing test gets one more run (reported by ctest as a failure first), a guard against
# the shared 2-core machines' timing noise; a test that fails twice fails the run. (The one
# known intermittent failure, answers to server requests reaching another thread's upstream,
# was found and fixed: see docs/architecture.md.)
test: build
	@ctest --test-dir $(BUILD) --output-on-failure --timeout 900 --repeat until-pass:2

clean:
	rm -rf $(BUILD) $(BUILD).configure.log
