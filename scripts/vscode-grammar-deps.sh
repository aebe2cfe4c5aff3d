#!/usr/bin/env bash
# The npm packages the TextMate grammar test (crates/icp_cli/tests/vscode_grammar.rs) loads
# editors/vscode/syntaxes/icp.tmLanguage.json with — VS Code's own tokeniser, vscode-textmate,
# and its regular expression engine, vscode-oniguruma — pinned, under cargo's target directory:
#
#   scripts/vscode-grammar-deps.sh [TARGET_DIR]    # prints the node_modules directory
#
# Idempotent and offline when already installed (a marker file names the pinned versions);
# safe when several tests call it at once (an flock around the install). TARGET_DIR defaults
# to CARGO_TARGET_DIR, else the repository's target/. Needs node and npm (installed from
# Debian's packages when missing and running as root) and the npm registry the first time.
# Exit codes: 0 ready, 2 the install failed (npm's output shown).
set -euo pipefail

TEXTMATE_VERSION=9.3.2
ONIGURUMA_VERSION=2.0.1

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=node.sh
source "$root/scripts/node.sh"
target=${1:-${CARGO_TARGET_DIR:-$root/target}}
prefix=$target/vscode-grammar
want="vscode-textmate@$TEXTMATE_VERSION vscode-oniguruma@$ONIGURUMA_VERSION"

mkdir -p "$target"
exec 9>"$target/vscode-grammar.lock"
flock 9
if [[ -d $prefix/node_modules && $(cat "$prefix/.installed" 2>/dev/null) == "$want" ]] \
    && command -v node >/dev/null; then
    echo "$prefix/node_modules"
    exit 0
fi
{
    ensure_node vscode-grammar-deps.sh
    rm -rf "$prefix"
    mkdir -p "$prefix"
    echo '{ "private": true }' >"$prefix/package.json"
    # shellcheck disable=SC2086 # the pins are separate words
    npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error $want
} >&2 || { echo "vscode-grammar-deps.sh: installing $want failed" >&2; exit 2; }
echo "$want" >"$prefix/.installed"
echo "$prefix/node_modules"
