# Sourced by test-setup.sh and bench-setup.sh: `have CMD` says whether a command is installed, and
# `install_missing WHO PKG...` installs Debian packages (nothing from anywhere else) when the list
# is not empty, as root, or says what to install and fails.
have() {
  command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]
}
install_missing() {
  local who=$1
  shift
  [ $# -gt 0 ] || return 0
  if [ "$(id -u)" != 0 ]; then
    echo "$who: missing $*; install them (apt-get install $*) or run as root" >&2
    exit 1
  fi
  echo "$who: installing $* (Debian packages)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
