#!/usr/bin/env bash
# The main job: set up the host (Debian packages, npm packages, build), then the lab demo:
# configs/lab-demo.yaml on the 6.12 and 7.x kernels under QEMU (strict mode) and on 7.x under lazy
# mode, ending with report.html and its summary.
# Extra arguments go to `dmabench lab demo` (e.g. --out DIR, --verbose).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $(id -u) -ne 0 ]]; then
  echo "dmabench: the lab needs root (debootstrap, virtiofsd): run as root, e.g. sudo $0" >&2
  exit 2
fi
scripts/setup-host.sh --lab
exec node dist/cli/main.js lab demo "$@"
