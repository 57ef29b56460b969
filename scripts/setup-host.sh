#!/usr/bin/env bash
# Installs what dmabench needs on a Debian box: Debian packages (when root and missing) and the
# npm dependencies (when node_modules is missing or older than package-lock.json), then builds.
# Usage: scripts/setup-host.sh [--lab]   (--lab adds QEMU and debootstrap for `dmabench lab`)
set -euo pipefail
cd "$(dirname "$0")/.."

# fio, perf, trace-cmd and perftest are measured or probed by the tests; util-linux, mount, fdisk
# and e2fsprogs make the loop devices of the device-safety tests; openssh-client reaches a remote
# ib_write_bw server, and the tests run openssh-server's sshd on loopback (the service is not used);
# strace shows the order of a run's fsyncs and renames (test/unit/bundle-durability.test.ts).
# The compiler, python3, pkg-config and cairo/pango development packages let npm build `canvas`
# from source (no prebuilt binary can be fetched), the optional dependency of PNG charts
# (reports/png/, through chartjs-node-canvas): without them npm leaves it out and only PNG output fails.
# chromium is the headless browser that opens `dmabench report`'s page in
# test/unit/report-browser.test.ts (driven by puppeteer-core, which downloads no browser of its own),
# with fonts-liberation (only recommended by chromium, which --no-install-recommends leaves out) so
# the screenshots show text.
packages=(fio util-linux mount fdisk e2fsprogs procps kmod linux-perf trace-cmd perftest openssh-client openssh-server strace
  build-essential python3 pkg-config libcairo2-dev libpango1.0-dev libjpeg-dev libgif-dev librsvg2-dev chromium fonts-liberation)
if [[ "${1:-}" == "--lab" ]]; then
  packages+=(qemu-system-x86 qemu-system-common debootstrap)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} > 0)); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "dmabench: missing Debian packages: ${missing[*]}; run as root or: sudo apt-get install ${missing[*]}" >&2
    exit 2
  fi
  echo "installing Debian packages: ${missing[*]}" >&2
  # The package lists may be absent on a fresh machine: refresh them once.
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The tests start their own sshd on 127.0.0.1; a freshly installed SSH service is not wanted.
  if [[ " ${missing[*]} " == *" openssh-server "* ]] && command -v systemctl >/dev/null; then
    systemctl disable --now ssh.service ssh.socket >/dev/null 2>&1 || true
  fi
fi

# node-gyp (canvas's build) fetches Node's headers into ~/.cache unless told where they are: this
# machine reaches no download site, so on a fresh HOME the build failed and npm dropped the
# optional dependency without a word. The Node package installs its headers under /usr/include/node.
node_version=$(node -p 'process.versions.node')
if [[ -z "${npm_config_nodedir:-}" && -f /usr/include/node/node_version.h ]] &&
  [[ "$(awk '/define NODE_(MAJOR|MINOR|PATCH)_VERSION/ {printf "%s%s", sep, $3; sep="."}' /usr/include/node/node_version.h)" == "$node_version" ]]; then
  export npm_config_nodedir=/usr
fi

if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "installing npm packages (canvas builds from source: a minute or more)" >&2
  npm ci --no-audit --no-fund --loglevel=error
else
  npm run --silent build
fi
# npm leaves out an optional dependency whose build fails, silently: say so.
if ! node -e "require('canvas')" 2>/dev/null; then
  echo "setup: canvas (the optional dependency of PNG charts) did not build: dmabench report --png will not work; rerun npm ci --foreground-scripts to see why" >&2
fi
