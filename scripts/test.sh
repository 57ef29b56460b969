#!/usr/bin/env bash
# The test command: sets up what it needs, then type check + lint + unit tests, then the lab
# tests (real kernels under QEMU) when running as root or when DMABENCH_LAB_TESTS=1.
# Set DMABENCH_LAB_TESTS=0 to skip the lab (it needs root and a few minutes).
set -euo pipefail
cd "$(dirname "$0")/.."

lab=${DMABENCH_LAB_TESTS:-auto}
if [[ "$lab" == auto ]]; then
  [[ $(id -u) -eq 0 ]] && lab=1 || lab=0
fi

if [[ "$lab" == 1 ]]; then scripts/setup-host.sh --lab; else scripts/setup-host.sh; fi
npm test
if [[ "$lab" == 1 ]]; then
  npm run test:lab
else
  echo "lab tests not run (need root; DMABENCH_LAB_TESTS=1 forces them)" >&2
fi
