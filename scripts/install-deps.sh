#!/usr/bin/env bash
# Installs the Debian packages Verdict builds and tests with, if any are missing.
# The Swift toolchain (6.1 or later) itself comes from swift.org and must be on PATH.
set -euo pipefail
packages=(libsqlite3-dev libcsv-dev zlib1g-dev libssl-dev libcurl4-openssl-dev librsvg2-dev libpq-dev postgresql-15 tzdata python3 python3-yaml python3-aiosmtpd openssl cmark-gfm chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}" >&2
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "swift is not on PATH: install a Swift 6.1+ toolchain from swift.org" >&2; exit 1; }
