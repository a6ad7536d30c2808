#!/usr/bin/env bash
# Makes sure Debian's chromium is installed: the dashboard's browser test drives it headless
# through playwright-core (executablePath /usr/bin/chromium), so no browser is downloaded by npm.
set -euo pipefail
CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then
  echo "chromium: $("$CHROMIUM" --version 2>/dev/null | head -n 1)"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "chromium is not installed at $CHROMIUM, and installing it needs root:" >&2
  echo "  sudo apt-get install -y --no-install-recommends chromium   (Debian's package)" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium is not installed at $CHROMIUM and there is no apt-get here: install Chromium there by hand" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium >/dev/null
echo "chromium installed: $("$CHROMIUM" --version 2>/dev/null | head -n 1)"
