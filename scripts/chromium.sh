#!/usr/bin/env bash
# Debian's headless-capable Chromium, for the tests that open `icp report`'s HTML in a browser
# (crates/icp_cli/tests/report_browser.rs):
#
#   scripts/chromium.sh        # prints the path of the chromium executable
#
# Idempotent and quick when installed: if /usr/bin/chromium exists it only prints it. Otherwise
# it runs `apt-get update` and `apt-get install -y chromium` (as root, or through sudo when
# that works without a password), under an flock so tests calling it at once install once.
# Exit codes: 0 ready, 2 Chromium could not be installed (apt's output shown on stderr).
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [[ -x $CHROMIUM ]]; then
    echo "$CHROMIUM"
    exit 0
fi
if [[ $(id -u) -eq 0 ]]; then
    sudo=()
elif sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
else
    echo "chromium.sh: $CHROMIUM is missing and apt-get needs root (or passwordless sudo)" >&2
    exit 2
fi
lock=${TMPDIR:-/tmp}/icp-chromium-install.lock
exec 9>"$lock"
flock 9
if [[ ! -x $CHROMIUM ]]; then
    {
        export DEBIAN_FRONTEND=noninteractive
        "${sudo[@]}" apt-get update -q
        "${sudo[@]}" apt-get install -y -q --no-install-recommends chromium
    } >&2 || { echo "chromium.sh: installing chromium failed" >&2; exit 2; }
fi
[[ -x $CHROMIUM ]] || { echo "chromium.sh: $CHROMIUM is still missing after the install" >&2; exit 2; }
echo "$CHROMIUM"
