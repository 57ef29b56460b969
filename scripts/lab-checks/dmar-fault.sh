#!/bin/bash
# Guest side (7.x, --iommu strict): a clean run, then a run during which QEMU's edu device reads
# from an IOVA nothing maps, so the emulated IOMMU reports a real DMAR fault. compare must name
# the fault in the second run's kernel log ("runs with kernel warnings").
source "$(dirname "$(readlink -f "$0")")/guest-common.sh"
dmabench run "$here/fio-read.yaml" --out clean > clean.log 2>&1; echo "CHECK: clean run exit $?"
dmabench run "$here/fio-read.yaml" --out fault > fault.log 2>&1 & pid=$!
# Fire once the run's kernel-log window is open (its manifest names afterSeq), while fio runs.
for _ in $(seq 120); do grep -q afterSeq fault/manifest.json 2>/dev/null && break; sleep 0.5; done
sleep 2
"$here/edu-dma-fault" 0x1000; echo "CHECK: fault tool exit $?"
wait $pid; echo "CHECK: fault run exit $?"
dmesg | grep DMAR | grep -i fault | sed 's/^/CHECK: dmesg: /'
dmabench compare clean fault --format text | sed -n '/Not comparable/,/^$/p' | sed 's/^/CHECK: /'
