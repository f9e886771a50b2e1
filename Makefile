# make run: set up, build, start the local deployment.  make test: set up, build, run every test.
BUILD      ?= build
FUZZ_BUILD ?= build-fuzz
TYPE       ?= RelWithDebInfo
JOBS       ?= $(shell nproc)
FUZZ_SECONDS ?= 15
CMAKE_FLAGS ?=
ifeq ($(CI),true)
CMAKE_FLAGS += -DMCPROV_WERROR=ON
endif
# ccache (installed by setup) with paths taken relative to the checkout, so that a fresh clone elsewhere on the
# machine reuses what an earlier one compiled.
LAUNCHER := $(if $(shell command -v ccache),-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := true

.PHONY: setup configure build run test unit fuzz bench soak package clean format

setup:
	@bash scripts/setup.sh

configure: setup
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(TYPE) -DCMAKE_EXPORT_COMPILE_COMMANDS=ON $(LAUNCHER) $(CMAKE_FLAGS)

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@$(BUILD)/apps/mcprov/mcprov dev

unit: build
	@ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

fuzz: setup
	@CC=clang-14 CXX=clang++-14 cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMCPROV_FUZZ=ON \
		$(LAUNCHER)
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_targets
	@bash scripts/run-fuzzers.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# Fuzzing first, so that the CTest summary is the last thing printed.
test: fuzz
	@$(MAKE) --no-print-directory unit

# `build` builds the Google Benchmark programs too; naming them makes a missing one (CMake leaves them out when it
# finds no Google Benchmark) fail here, before the first run, rather than in bench/kms.sh.
bench: build
	@cmake --build $(BUILD) -j $(JOBS) --target mikey_keys_bench mikey_message_bench kms_response_bench dm_sessions_bench gba_bench
	@rm -f $(BUILD)/bench-goals.txt
	@BENCH_SUMMARY=$(abspath $(BUILD))/bench-goals.txt bash bench/profile_get.sh $(BUILD)
	@BENCH_SUMMARY=$(abspath $(BUILD))/bench-goals.txt bash bench/migration.sh $(BUILD)
	@BENCH_SUMMARY=$(abspath $(BUILD))/bench-goals.txt bash bench/kms.sh $(BUILD)
	@bash bench/dm.sh $(BUILD)
	@bash bench/switch_on.sh $(BUILD)
	@bash bench/gba.sh $(BUILD)
	@bash bench/sip_as.sh $(BUILD)
	@echo; echo "The serving paths against their goals (each a ratio to its limit measured in the same run):"
	@cat $(BUILD)/bench-goals.txt

# Soak and load of the CMS, the KMS, the DM server and the SIP AS, one after another (bench/soak.sh): SOAK_DURATION
# (10m) of SOAK_CONNECTIONS (256) connections each, with zero errors and flat memory, then SOAK_HELD (1000) held
# connections while a new client is served. SOAK_SERVERS ("cms kms dms sip-as") runs a subset.
soak: build
	@bash bench/soak.sh $(BUILD)

# The Debian package (packaging/CMakeLists.txt): $(BUILD)/packages/mcprov_<version>_<arch>.deb
package: build
	@cd $(BUILD) && cpack --config CPackConfig.cmake

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	@rm -rf $(BUILD) $(FUZZ_BUILD)
