#!/usr/bin/env bash
# Copy the front-end libraries pinned in package.json from their npm packages into static/vendor/.
#
# Ministry servers may have no internet, so pages never load a CDN; and a laptop has only Python
# and make, so the copied files are committed and this script (which needs node and npm) is run
# only when a version in package.json changes:  make vendor
#
# Only the files the templates use are kept (minified CSS/JS, the icon font) plus each licence.
# The trailing sourceMappingURL comments are removed because the .map files are not shipped and
# the production static storage (ManifestStaticFilesStorage) refuses to collect a file whose
# source map is missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR="$ROOT/static/vendor"

command -v npm >/dev/null || { echo "vendor_static.sh: npm is required (only to refresh static/vendor/)." >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cp "$ROOT/package.json" "$WORK/"
if [[ -f "$ROOT/package-lock.json" ]]; then
    cp "$ROOT/package-lock.json" "$WORK/"
    (cd "$WORK" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
else
    (cd "$WORK" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error)
    cp "$WORK/package-lock.json" "$ROOT/package-lock.json"
fi
MODULES="$WORK/node_modules"

# copy SOURCE DEST: copy one file, dropping a trailing source-map comment from CSS and JS.
copy() {
    mkdir -p "$(dirname "$2")"
    case "$1" in
        *.css | *.js) sed -e '/^\/[*/]# sourceMappingURL=.*$/d' "$1" >"$2" ;;
        *) cp "$1" "$2" ;;
    esac
}

rm -rf "$VENDOR"

copy "$MODULES/bootstrap/dist/css/bootstrap.min.css" "$VENDOR/bootstrap/bootstrap.min.css"
# The bundle includes Popper (dropdowns, tooltips), hence Popper's licence beside Bootstrap's.
copy "$MODULES/bootstrap/dist/js/bootstrap.bundle.min.js" "$VENDOR/bootstrap/bootstrap.bundle.min.js"
copy "$MODULES/bootstrap/LICENSE" "$VENDOR/bootstrap/LICENSE"
copy "$MODULES/@popperjs/core/LICENSE.md" "$VENDOR/bootstrap/LICENSE-popper.md"

copy "$MODULES/bootstrap-icons/font/bootstrap-icons.min.css" "$VENDOR/bootstrap-icons/bootstrap-icons.min.css"
copy "$MODULES/bootstrap-icons/font/fonts/bootstrap-icons.woff2" "$VENDOR/bootstrap-icons/fonts/bootstrap-icons.woff2"
copy "$MODULES/bootstrap-icons/font/fonts/bootstrap-icons.woff" "$VENDOR/bootstrap-icons/fonts/bootstrap-icons.woff"
copy "$MODULES/bootstrap-icons/LICENSE" "$VENDOR/bootstrap-icons/LICENSE"

# The UMD build bundles @kurkle/color, hence its licence beside Chart.js's.
copy "$MODULES/chart.js/dist/chart.umd.min.js" "$VENDOR/chart.js/chart.umd.min.js"
copy "$MODULES/chart.js/LICENSE.md" "$VENDOR/chart.js/LICENSE.md"
copy "$MODULES/@kurkle/color/LICENSE.md" "$VENDOR/chart.js/LICENSE-kurkle-color.md"

copy "$MODULES/htmx.org/dist/htmx.min.js" "$VENDOR/htmx.org/htmx.min.js"
copy "$MODULES/htmx.org/LICENSE" "$VENDOR/htmx.org/LICENSE"

# Record exactly what was copied, so a reviewer can see the versions without node.
{
    echo "# Copied by scripts/vendor_static.sh from these npm packages; do not edit by hand."
    for package in bootstrap bootstrap-icons chart.js htmx.org @popperjs/core @kurkle/color; do
        version="$(node -p "require(process.argv[1]).version" "$MODULES/$package/package.json")"
        echo "$package $version"
    done
} >"$VENDOR/VERSIONS.txt"

echo "static/vendor/ refreshed:"
(cd "$VENDOR" && find . -type f | sort | sed 's|^\./|  |')
