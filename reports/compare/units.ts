// Units compare knows how to convert between. Tools print rates, bandwidths and times in units
// of their own choosing (perftest prints MiB/s, MB/s or Gb/s depending on its version and
// report_gbits; a script may give KIOPS): values are converted before they are tested, and units
// with no known conversion make a row incomparable instead of a silent comparison of unlike
// numbers. This table is the one home of these factors; the renderers use its time units to
// rescale nanoseconds for reading.

/** Size of each unit in its family's base unit: time in ns, rates in I/O per second, bandwidth in bytes per second. */
export const TIME_UNITS: Readonly<Record<string, number>> = { ns: 1, us: 1e3, 'µs': 1e3, usec: 1e3, ms: 1e6, msec: 1e6, s: 1e9, sec: 1e9 };
const RATE_UNITS: Readonly<Record<string, number>> = { IOPS: 1, KIOPS: 1e3 };
const BANDWIDTH_UNITS: Readonly<Record<string, number>> = {
  'B/s': 1,
  'KiB/s': 1024,
  'MiB/s': 1024 ** 2,
  'GiB/s': 1024 ** 3,
  'KB/s': 1e3,
  'MB/s': 1e6,
  'GB/s': 1e9,
  // Bits: perftest's report_gbits.
  'Mb/s': 1e6 / 8,
  'Gb/s': 1e9 / 8,
};
const FAMILIES = [TIME_UNITS, RATE_UNITS, BANDWIDTH_UNITS];

/**
 * The factor that turns a value in `from` into one in `to` (1 for the same unit), or null when
 * the two units are not known to measure the same thing.
 */
export function conversionFactor(from: string, to: string): number | null {
  if (from === to) return 1;
  for (const family of FAMILIES) {
    const a = family[from];
    const b = family[to];
    if (a !== undefined && b !== undefined) return a / b;
  }
  return null;
}
