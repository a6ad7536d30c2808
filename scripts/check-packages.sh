#!/usr/bin/env bash
# Checks every published package as npm would ship it: the LICENSE copy, publint --strict, and
# attw (ESM-only types that resolve). The published packages are those under packages/ that are
# not private.
set -euo pipefail
cd "$(dirname "$0")/.."
for dir in packages/*/; do
  dir="${dir%/}"
  if [ "$(node -p "require('./$dir/package.json').private === true")" = "true" ]; then continue; fi
  echo "== $dir"
  cmp LICENSE "$dir/LICENSE"
  publint --strict "$dir"
  (cd "$dir" && attw --pack . --profile esm-only)
done
