#!/usr/bin/env bash
# Makes sure Debian's redis-server is installed: the tests, the demo and CI start their own
# redis-server on 127.0.0.1 on a free port (see @switchyard/bullmq/testing), never a shared one.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1; then
  echo "redis-server: $(redis-server --version | head -n 1)"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "redis-server is not installed, and installing it needs root:" >&2
  echo "  sudo apt-get install -y redis-server   (Debian's package; Redis 7)" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "redis-server is not installed and there is no apt-get here: install Redis 7 (redis-server) by hand" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# The package's own service is not wanted: each run starts redis-server itself, on a free port.
# policy-rc.d exit 101 tells invoke-rc.d not to start services during this install.
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  made_policy=1
fi
apt-get install -y -qq --no-install-recommends redis-server >/dev/null
if [ "$made_policy" -eq 1 ]; then rm -f "$policy"; fi
echo "redis-server installed: $(redis-server --version | head -n 1)"
