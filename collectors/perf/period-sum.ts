// Sums of sample weights as stackcollapse-perf.pl adds and prints them. Perl adds the periods as
// integers while the sum fits 64 bits unsigned and prints them exactly; past that it adds doubles
// and prints `%.15g`. A double is exact only to 2^53, so sums beyond it (never met in practice:
// 2^53 ns of CPU time is 104 days) move to a bigint until 2^64, then to Perl's double.

const UV_MAX = 2n ** 64n - 1n;

/** A sum that left the exact range of a double: an exact bigint (Perl's UV) or Perl's double (NV). */
export type WideSum = { uv: bigint } | { nv: number };

/** A header's period, as Perl numifies the digit string (a UV, or a double when wider than 64 bits). */
export function periodValue(digits: string): number | WideSum {
  if (digits.length <= 15) return Number(digits);
  const v = BigInt(digits);
  if (v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
  return v <= UV_MAX ? { uv: v } : { nv: Number(digits) };
}

/** `sum + w` with Perl's arithmetic; `sum` is already wide. */
export function addWide(sum: WideSum, w: number | WideSum): WideSum {
  const nv = (x: number | WideSum): number => (typeof x === 'number' ? x : 'uv' in x ? Number(x.uv) : x.nv);
  if ('uv' in sum && (typeof w === 'number' || 'uv' in w)) {
    const r = sum.uv + (typeof w === 'number' ? BigInt(w) : w.uv);
    if (r <= UV_MAX) return { uv: r };
  }
  return { nv: nv(sum) + nv(w) };
}

/** `a + b` of two plain numbers, moving to a WideSum when the result is no longer exact. */
export function addNarrow(a: number, b: number): number | WideSum {
  const r = a + b;
  if (r <= Number.MAX_SAFE_INTEGER) return r;
  return addWide({ uv: BigInt(a) }, b);
}

/** The sum as Perl prints it. */
export function formatWide(sum: WideSum): string {
  return 'uv' in sum ? String(sum.uv) : perlG15(sum.nv);
}

/** Perl's default number format for a double, C's `%.15g`. */
function perlG15(x: number): string {
  if (!Number.isFinite(x)) return x > 0 ? 'Inf' : x < 0 ? '-Inf' : 'NaN';
  if (x === 0) return '0';
  const [mantissa = '', expText = '0'] = x.toExponential(14).split('e');
  const exp = Number(expText);
  const strip = (s: string): string => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (exp < -4 || exp >= 15) return `${strip(mantissa)}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return strip(x.toFixed(14 - exp));
}
