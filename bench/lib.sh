# Shared by the benchmark scripts: logging and installing missing tools with apt.
# Source it; it defines log, die, as_root, apt_install and ensure_tools.

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 2; }

as_root() {
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null; then
        sudo "$@"
    else
        die "need root (or sudo) to run: $*"
    fi
}

apt_install() {
    command -v apt-get >/dev/null || die "missing $*, and no apt-get to install it"
    log "installing $* with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    if ! as_root apt-get install -y --no-install-recommends "$@"; then
        log "install failed; running apt-get update and retrying"
        as_root apt-get update
        as_root apt-get install -y --no-install-recommends "$@"
    fi
}

# ensure_tools COMMAND:PACKAGE ... installs the packages whose command is missing.
ensure_tools() {
    local missing=() pair
    for pair in "$@"; do
        if [[ ${pair%%:*} == /* ]]; then
            [[ -x ${pair%%:*} ]] || missing+=("${pair#*:}")
        else
            command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
        fi
    done
    if ((${#missing[@]})); then
        apt_install "${missing[@]}"
    fi
}

# tv_binary: build the release binary (unless BENCH_NO_BUILD) and print its path: TV_BIN, or
# target/release/template-validator of the repository these scripts are in.
tv_binary() {
    local root
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    if [[ -z ${BENCH_NO_BUILD:-} ]]; then
        log "cargo build --release"
        (cd "$root" && cargo build --release --locked --quiet)
    fi
    local bin=${TV_BIN:-$root/target/release/template-validator}
    [[ -x $bin ]] || die "no binary at $bin"
    printf '%s\n' "$bin"
}
