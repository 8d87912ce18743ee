#!/usr/bin/env bash
# A longer run of the parser property test, Tests/VerdictCoreTests/Reliability/ParserFuzzTests.swift:
# valid log lines mutated many times (bit flips, truncations, inserted brackets, quotes and
# backslashes, duplicated members, random bytes, …), each parsed by LogLineParser and checked
# against Foundation's JSONSerialization. The test reads two environment variables:
#   VERDICT_FUZZ_ITERATIONS  random mutations (the test suite's default is 25000)
#   VERDICT_FUZZ_SEED        the generator's seed (a decimal UInt64; default fixed in the test)
#
# Usage: scripts/fuzz.sh [ITERATIONS] [SEED]     (default 500000 iterations, the test's seed)
#        SCRATCH=.build-fuzz scripts/fuzz.sh      (another build directory; default .build-tests)
# It builds the tests, runs only that suite, and fails with a few disagreeing lines printed
# (each with the mutations that made it) if the parser and JSONSerialization part ways
# outside the differences documented in the test file.
set -euo pipefail
cd "$(dirname "$0")/.."

export VERDICT_FUZZ_ITERATIONS="${1:-500000}"
if [[ -n "${2:-}" ]]; then export VERDICT_FUZZ_SEED="$2"; fi
scratch="${SCRATCH:-.build-tests}"

swift build --build-tests --scratch-path "$scratch"
swift test --skip-build --scratch-path "$scratch" --filter 'ReliabilityParserFuzz'
