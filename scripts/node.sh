# Sourced by the scripts that need node and npm (vscode-grammar-deps.sh, vscode-package.sh):
#
#   source scripts/node.sh; ensure_node NAME    # NAME is the calling script, for messages
#
# Installs Debian's nodejs and npm when either is missing and the script runs as root with
# apt-get; otherwise says what to install and exits 2.
ensure_node() {
    if command -v npm >/dev/null && command -v node >/dev/null; then
        return 0
    fi
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm
    else
        echo "$1: node and npm are needed (apt-get install nodejs npm)"
        exit 2
    fi
}
