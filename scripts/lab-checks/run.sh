#!/usr/bin/env bash
# Three checks in lab guests that back statements in README.md, printed as CHECK: lines:
#   dmar-fault      a real DMAR fault during a run reaches the bundle's kernel log and compare (7.x, strict)
#   nvme-group-dma  the IOMMU mode recorded is the benchmarked device's group, not the box's (7.x, iommu=pt)
#   rxe-dma-api     ib_write_bw over Soft-RoCE calls no DMA API function (7.x, strict)
# Usage (root, after npm run build): scripts/lab-checks/run.sh [check ...]   (default: all three)
# It writes only into the lab image (dmabench's own cache): ROOTFS/root/lab-checks.
set -euo pipefail
cd "$(dirname "$0")/../.."
here=scripts/lab-checks
command -v cc >/dev/null || { echo "run.sh: needs a C compiler with static libc (apt-get install gcc libc6-dev)" >&2; exit 2; }
checks=("$@")
[[ ${#checks[@]} -gt 0 ]] || checks=(dmar-fault nvme-group-dma rxe-dma-api)
rootfs=$(node dist/cli/main.js lab image | head -1)
dest="$rootfs/root/lab-checks"
rm -rf "$dest"; mkdir -p "$dest"
cp "$here"/*.sh "$here"/*.yaml "$dest"/
# The guest has a compiler (for kernel modules) but no libc headers: built here, static.
cc -O2 -static -o "$dest/edu-dma-fault" "$here/edu-dma-fault.c"
status=0
for check in "${checks[@]}"; do
  case $check in
    dmar-fault|rxe-dma-api) iommu=strict ;;
    nvme-group-dma) iommu=passthrough ;;
    *) echo "run.sh: unknown check $check" >&2; exit 2 ;;
  esac
  log=$(mktemp --suffix=".$check.console.log")
  echo "== $check (kernel 7, --iommu $iommu; console: $log)"
  node dist/cli/main.js lab boot --kernel 7 --iommu "$iommu" --timeout 1200 --console-log "$log" -- bash "/root/lab-checks/$check.sh" | grep '^CHECK: ' || status=1
done
exit $status
