#!/bin/sh
# Rebuild src/samverkan/static/samverkan/samverkan.css from our Sass entry point
# (GOV.UK Frontend, re-themed), and refresh the vendored GOV.UK Frontend JS.
#
# Node and npm are needed only here, never at run time: the compiled CSS is
# committed. Pinned versions are installed into a throw-away folder, never
# into the repository.
#
# Usage: tools/build-css.sh
set -eu

GOVUK_FRONTEND_VERSION=6.6.0
SASS_VERSION=1.108.2

repo=$(cd "$(dirname "$0")/.." && pwd)
static="$repo/src/samverkan/static"
entry="$static/samverkan/scss/samverkan.scss"
out="$static/samverkan/samverkan.css"
vendor="$static/vendor/govuk-frontend"

build=$(mktemp -d "${TMPDIR:-/tmp}/govuk-build.XXXXXX")
trap 'rm -rf "$build"' EXIT INT TERM

cd "$build"
printf '{"private": true}\n' > package.json
npm install --no-save --no-audit --no-fund --ignore-scripts \
  "govuk-frontend@$GOVUK_FRONTEND_VERSION" "sass@$SASS_VERSION"

./node_modules/.bin/sass \
  --load-path=node_modules \
  --style=compressed \
  --no-source-map \
  --quiet-deps \
  "$entry" "$out"

# Vendored JavaScript (an ES module) and its source map, unchanged.
dist=node_modules/govuk-frontend/dist/govuk
mkdir -p "$vendor"
cp "$dist/govuk-frontend.min.js" "$dist/govuk-frontend.min.js.map" "$vendor/"

# Guard: the CSS must never point at another host, nor at the GDS Transport font.
if grep -o 'url([^)]*)' "$out" | grep -Eiv '^url\(("|'"'"')?/static/' ; then
  echo "build-css: unexpected url() in $out" >&2
  exit 1
fi
if grep -q 'GDS Transport' "$out"; then
  echo "build-css: GDS Transport found in $out" >&2
  exit 1
fi

echo "Wrote $out (govuk-frontend $GOVUK_FRONTEND_VERSION, sass $SASS_VERSION)"
