# Verdict: `make demo` runs the whole pipeline on built-in sample data;
# `make test` runs every test, on SQLite and on PostgreSQL. Both install the Debian packages they need.
SWIFT ?= swift
VERDICT_DEBUG = .build/debug/verdict
VERDICT_RELEASE = .build/release/verdict

# `make install`: the binary, its man page and shell completions under $(DESTDIR)$(PREFIX).
PREFIX ?= /usr/local
DESTDIR ?=
CONFIGURATION ?= release
VERDICT_BUILT = .build/$(CONFIGURATION)/verdict
MANUAL = .build/manual

.PHONY: deps build release demo test unit crosscheck installcheck install bench fuzz clean

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

installcheck: deps
	scripts/install-check.sh

test: unit crosscheck installcheck

# The man page comes from the command's own help, through swift-argument-parser's
# generate-manual plugin; the completion scripts from the binary itself.
install: deps
	$(SWIFT) build -c $(CONFIGURATION) --product verdict
	mkdir -p $(MANUAL)
	$(SWIFT) package --allow-writing-to-directory $(MANUAL) generate-manual --configuration $(CONFIGURATION) --output-directory $(MANUAL)
	install -D -m 0755 $(VERDICT_BUILT) $(DESTDIR)$(PREFIX)/bin/verdict
	install -D -m 0644 $(MANUAL)/verdict.1 $(DESTDIR)$(PREFIX)/share/man/man1/verdict.1
	mkdir -p $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/zsh/site-functions $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	$(VERDICT_BUILT) --generate-completion-script bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/verdict
	$(VERDICT_BUILT) --generate-completion-script zsh > $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_verdict
	$(VERDICT_BUILT) --generate-completion-script fish > $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/verdict.fish
	install -D -m 0755 scripts/verdict-cron.sh $(DESTDIR)$(PREFIX)/share/verdict/verdict-cron.sh

bench: release
	Benchmarks/run.sh

clean:
	rm -rf .build demo
