#!/usr/bin/env bash
# System packages some tests need (a real redis-server, openssl, Debian's Chromium).
# Installed with apt-get when missing and when we may; tests that need them
# fail with a clear message otherwise.
set -uo pipefail
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
# The TLS test of the served bridge makes a throw-away certificate with openssl.
command -v openssl >/dev/null 2>&1 || need+=(openssl)
# The status page's browser tests drive Debian's Chromium with Playwright;
# Playwright never downloads a browser of its own here.
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: missing ${need[*]} (install them, or run as root with apt-get)" >&2
  exit 0
fi
echo "system-deps: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
