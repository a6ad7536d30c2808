#!/usr/bin/env bash
# Packs every published package into packed/ (one .tgz each), built first, so another project can
# `npm install` them from there. Workspace ranges become version ranges in each tarball; install
# a package together with the Switchyard packages it depends on, in one `npm install`.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf packed
pnpm -r --filter "./packages/*" --filter "!@switchyard/examples" pack --pack-destination packed >/dev/null
echo "packed (in $(pwd)/packed):"
ls -1 packed | sed 's/^/  /'
