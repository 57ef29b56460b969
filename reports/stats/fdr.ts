// Benjamini-Hochberg false discovery rate control (Benjamini & Hochberg 1995).
//
// For m p-values sorted ascending p_(1) <= ... <= p_(m), the adjusted value (q-value) of the i-th
// is min over j >= i of min(1, m p_(j) / j). Calling every hypothesis with q < alpha a discovery
// keeps the expected share of false discoveries among them at or below alpha (for independent or
// positively dependent tests). This is R's p.adjust(method = "BH") and
// scipy.stats.false_discovery_control(method='bh').

/** q-values in the order of `p`; null entries (rows outside the family) stay null and do not count in m. */
export function benjaminiHochberg(p: readonly (number | null)[]): (number | null)[] {
  const members: { index: number; p: number }[] = [];
  p.forEach((value, index) => {
    if (value === null) return;
    if (!(value >= 0 && value <= 1)) throw new RangeError(`p-value ${value} is outside [0, 1]`);
    members.push({ index, p: value });
  });
  members.sort((a, b) => a.p - b.p);
  const m = members.length;
  const q: (number | null)[] = p.map(() => null);
  let running = 1;
  for (let i = m - 1; i >= 0; i--) {
    const member = members[i]!;
    running = Math.min(running, (m * member.p) / (i + 1));
    q[member.index] = Math.min(1, running);
  }
  return q;
}
