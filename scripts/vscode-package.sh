#!/usr/bin/env bash
# Packages the VS Code extension (editors/vscode) as a .vsix, exactly as docs/editor.md tells
# users to — `npm ci` from the committed package-lock.json, then the pinned `@vscode/vsce
# package` — in a copy of the folder under cargo's target directory, so the repository is left
# untouched:
#
#   scripts/vscode-package.sh [TARGET_DIR]    # prints the path of the .vsix
#
# `code --install-extension PATH` installs what it prints. The test
# crates/icp_cli/tests/vscode_grammar.rs runs it and reads the package. Needs node and npm
# (from Debian's packages when missing and running as root) and the npm registry; the
# dependencies are downloaded again only when package-lock.json changes. Safe when called
# concurrently (an flock). Exit codes: 0 packaged, 2 npm or vsce failed (their output shown).
set -euo pipefail

VSCE_VERSION=3.9.2

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=node.sh
source "$root/scripts/node.sh"
target=${1:-${CARGO_TARGET_DIR:-$root/target}}
work=$target/vscode-package
ext=$work/icp-language

mkdir -p "$work"
exec 9>"$work.lock"
flock 9
{
    ensure_node vscode-package.sh
    lock=$root/editors/vscode/package-lock.json
    if ! cmp -s "$lock" "$ext/package-lock.json" || [[ ! -d $ext/node_modules ]]; then
        rm -rf "$ext"
        mkdir -p "$ext"
        cp "$lock" "$root/editors/vscode/package.json" "$ext/"
        (cd "$ext" && npm ci --omit=dev --no-audit --no-fund --loglevel=error)
    fi
    # Every file of the folder but the installed modules, afresh (a removed file goes too).
    find "$ext" -mindepth 1 -maxdepth 1 ! -name node_modules -exec rm -rf {} +
    (cd "$root/editors/vscode" && tar --exclude=./node_modules --exclude='./*.vsix' -cf - .) |
        (cd "$ext" && tar -xf -)
    rm -f "$work"/*.vsix
    (cd "$ext" && npx --yes "@vscode/vsce@$VSCE_VERSION" package --out "$work/" >/dev/null)
} >&2 || { echo "vscode-package.sh: packaging the extension failed" >&2; exit 2; }
ls "$work"/*.vsix
