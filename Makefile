# Verdict: `make demo` runs the whole pipeline on built-in sample data;
# `make test` runs every test, on SQLite and on PostgreSQL. Both install the Debian packages they need.
SWIFT ?= swift
VERDICT_DEBUG = .build/debug/verdict
VERDICT_RELEASE = .build/release/verdict

.PHONY: deps build release demo test unit crosscheck bench fuzz clean

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

demo: release
	$(VERDICT_RELEASE) demo --out demo

# Both run against SQLite and against a throwaway PostgreSQL server on loopback
# (scripts/with-pg.sh starts it, sets VERDICT_TEST_PG, and stops it afterwards).
unit: deps
	$(SWIFT) build --build-tests
	scripts/with-pg.sh $(SWIFT) test --skip-build

crosscheck: deps
	$(SWIFT) build
	VERDICT=$(VERDICT_DEBUG) scripts/with-pg.sh scripts/crosscheck.sh

test: unit crosscheck

bench: release
	Benchmarks/run.sh

clean:
	rm -rf .build demo
