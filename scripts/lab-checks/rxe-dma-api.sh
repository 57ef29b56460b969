#!/bin/bash
# Guest side (--iommu strict): ib_write_bw over Soft-RoCE under dmabench's ftrace profiler; prints
# the profile pass's call counts of every DMA mapping function and the iommu map/unmap events.
source "$(dirname "$(readlink -f "$0")")/guest-common.sh"
dmabench run "$here/rxe-ftrace.yaml" --out rxe > rxe.log 2>&1; echo "CHECK: run exit $?"
node -e '
const counts = new Map();
for (const line of require("fs").readFileSync("rxe/samples.jsonl", "utf8").split("\n")) {
  if (!line) continue;
  const s = JSON.parse(line);
  if (s.pass === "profile:ftrace" && (s.metric.endsWith(".calls") || s.metric.startsWith("iommu."))) counts.set(s.metric, s.value);
}
const nonZero = [...counts].filter(([, v]) => v !== null && v !== 0);
console.log(`CHECK: ${counts.size} call and iommu-event counts, ${nonZero.length} not zero: ${JSON.stringify(Object.fromEntries(nonZero))}`);
'
