#!/usr/bin/env bash
# Checks `make install` into a scratch DESTDIR (debug build, so it costs no release build):
# the binary runs, the man page renders and documents the report's mail options, and each
# completion script parses in its shell (when that shell is installed).
set -euo pipefail
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
make --no-print-directory install DESTDIR="$dest" PREFIX=/usr/local CONFIGURATION=debug >/dev/null
root="$dest/usr/local"
fail() { echo "install-check: $*" >&2; exit 1; }
[[ -x $root/bin/verdict ]] || fail "no executable bin/verdict"
"$root/bin/verdict" --version >/dev/null || fail "bin/verdict --version failed"
man=$root/share/man/man1/verdict.1
[[ -s $man ]] || fail "no man page"
if command -v man >/dev/null; then
  text=$(MANWIDTH=100 man -l "$man" 2>/dev/null) || fail "the man page does not render"
else
  text=$(cat "$man")
fi
for word in ingest report --mail-to --smtp --sendmail --quiet --wait; do
  grep -q -- "$word" <<<"$text" || fail "the man page does not mention $word"
done
bash -n "$root/share/bash-completion/completions/verdict" || fail "the bash completion does not parse"
grep -q -- "--mail-to" "$root/share/bash-completion/completions/verdict" || fail "the bash completion lacks --mail-to"
[[ -s $root/share/zsh/site-functions/_verdict ]] || fail "no zsh completion"
if command -v zsh >/dev/null; then zsh -n "$root/share/zsh/site-functions/_verdict" || fail "the zsh completion does not parse"; fi
[[ -s $root/share/fish/vendor_completions.d/verdict.fish ]] || fail "no fish completion"
if command -v fish >/dev/null; then fish -n "$root/share/fish/vendor_completions.d/verdict.fish" || fail "the fish completion does not parse"; fi
[[ -x $root/share/verdict/verdict-cron.sh ]] || fail "no verdict-cron.sh"
echo "install-check: make install DESTDIR=... holds bin/verdict, its man page, bash/zsh/fish completions and verdict-cron.sh"
