// Pure parsers of the version banners that tools print. Each takes the tool's stdout and stderr
// joined (some tools print the banner on stderr, trace-cmd prints it amid its usage text and
// exits 255, ib_write_bw prints it and exits 1) and returns the version, or undefined.

function firstMatch(text: string, pattern: RegExp): string | undefined {
  return pattern.exec(text)?.[1];
}

/** `fio-3.33` → 3.33 */
export function parseFioVersion(text: string): string | undefined {
  return firstMatch(text, /^fio-(\S+)/m);
}

/** `perf version 6.1.187` → 6.1.187 */
export function parsePerfVersion(text: string): string | undefined {
  return firstMatch(text, /^perf version (\S+)/m);
}

/** `trace-cmd version 3.1.6 (not-a-git-repo)` → 3.1.6 */
export function parseTraceCmdVersion(text: string): string | undefined {
  return firstMatch(text, /trace-cmd version (\S+)/);
}

/** perftest's `ib_write_bw --version`: `Version: 6.06` → 6.06 (note: `-v` is not the version flag; `-V` is). */
export function parsePerftestVersion(text: string): string | undefined {
  return firstMatch(text, /^\s*Version:\s*(\S+)/m);
}

/** `QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-...)` → 7.2.22 */
export function parseQemuVersion(text: string): string | undefined {
  return firstMatch(text, /QEMU emulator version (\S+)/);
}

/** `debootstrap 1.0.128+nmu2+deb12u2` → 1.0.128+nmu2+deb12u2 */
export function parseDebootstrapVersion(text: string): string | undefined {
  return firstMatch(text, /^debootstrap (\S+)/m);
}

/** `bpftrace v0.17.0` → 0.17.0 */
export function parseBpftraceVersion(text: string): string | undefined {
  return firstMatch(text, /^bpftrace v?(\d\S*)/m);
}

/** `gcc (Debian 12.2.0-14+deb12u1) 12.2.0` or `gcc-12 (...) 12.2.0` → 12.2.0 (the last word of the first line). */
export function parseGccVersion(text: string): string | undefined {
  const firstLine = text.split('\n').find((line) => line.trim() !== '');
  if (firstLine === undefined || !/^\S*gcc\S*\s/.test(firstLine)) return undefined;
  return firstMatch(firstLine, /\s(\d+\.\d+(?:\.\d+)?)\s*$/);
}

/** `blkid from util-linux 2.38.1  (libblkid ...)` → 2.38.1 */
export function parseBlkidVersion(text: string): string | undefined {
  return firstMatch(text, /^blkid from util-linux (\S+)/m);
}

/** The major number of a dotted version, e.g. '12.2.0' → 12. */
export function majorOf(version: string): number | undefined {
  const major = Number(version.split('.')[0]);
  return Number.isInteger(major) ? major : undefined;
}
