#!/bin/bash
# Guest side (--iommu passthrough): switch only the NVMe controller's IOMMU group to DMA, then run
# fio on it: the bundle's IOMMU mode is the NVMe group's (strict), not the box's (passthrough).
source "$(dirname "$(readlink -f "$0")")/guest-common.sh"
nvme=$(basename "$(readlink -f /sys/block/nvme0n1/device/device)")
group=$(basename "$(readlink -f "/sys/bus/pci/devices/$nvme/iommu_group")")
for g in /sys/kernel/iommu_groups/*; do echo "CHECK: before: group $(basename "$g") $(cat "$g/type")"; done
echo "$nvme" > /sys/bus/pci/drivers/nvme/unbind
echo DMA > "/sys/kernel/iommu_groups/$group/type"; echo "CHECK: group $group set to DMA: exit $?"
echo "$nvme" > /sys/bus/pci/drivers/nvme/bind
for _ in $(seq 50); do [ -b /dev/nvme0n1 ] && break; sleep 0.2; done
for g in /sys/kernel/iommu_groups/*; do echo "CHECK: after: group $(basename "$g") $(cat "$g/type")"; done
dmabench run "$here/fio-read.yaml" --out m17 > m17.log 2>&1; echo "CHECK: run exit $?"
node -e '
const s = JSON.parse(require("fs").readFileSync("m17/manifest.json", "utf8")).system.iommu;
console.log("CHECK: " + JSON.stringify({ mode: s.mode, modeOf: s.modeOf, boxMode: s.boxMode }));
'
