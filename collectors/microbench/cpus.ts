// CPU lists as the kernel reads and prints them (`0,2`, `0-3`, `0-1,4`): the `cpus` parameter of a
// microbench cell, the module's echo of it (report.c prints `%*pbl`), and sysfs's
// /sys/devices/system/cpu/online. The collector writes a list in the kernel's own form so the echo
// comes back character for character: ascending, each CPU once, runs of two or more as `a-b`.

/** The CPUs a list names, ascending, each once; undefined when it is not a list of CPUs and ranges. */
export function parseCpuList(text: string): number[] | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  const cpus = new Set<number>();
  for (const part of t.split(',')) {
    const m = /^\s*(\d{1,5})\s*(?:-\s*(\d{1,5})\s*)?$/.exec(part);
    if (!m) return undefined;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) return undefined;
    for (let c = lo; c <= hi; c++) cpus.add(c);
  }
  return [...cpus].sort((a, b) => a - b);
}

/** The kernel's form of a CPU list (bitmap_list_string: runs of two or more as `a-b`). */
export function formatCpuList(cpus: readonly number[]): string {
  const sorted = [...new Set(cpus)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
