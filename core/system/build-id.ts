// The running kernel's GNU build id, from /sys/kernel/notes (the kernel's own ELF note section,
// as `perf buildid-list -k` reads it). Two builds of one release with one `uname -v` (a patched
// kernel rebuilt on the same day) differ here.
import { readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { underRoot } from './sysfs.js';

/** NT_GNU_BUILD_ID, owner "GNU". */
const NT_GNU_BUILD_ID = 3;

const align4 = (n: number): number => (n + 3) & ~3;

/** The build id (hex) among ELF notes in the machine's byte order; undefined when there is none or the notes are malformed. */
export function gnuBuildId(notes: Buffer, littleEndian = endianness() === 'LE'): string | undefined {
  const u32 = (at: number): number => (littleEndian ? notes.readUInt32LE(at) : notes.readUInt32BE(at));
  let at = 0;
  while (at + 12 <= notes.length) {
    const namesz = u32(at);
    const descsz = u32(at + 4);
    const type = u32(at + 8);
    const nameAt = at + 12;
    const descAt = nameAt + align4(namesz);
    const next = descAt + align4(descsz);
    if (next > notes.length) return undefined;
    const name = notes.subarray(nameAt, nameAt + namesz).toString('latin1').replace(/\0+$/, '');
    if (type === NT_GNU_BUILD_ID && name === 'GNU' && descsz > 0) return notes.subarray(descAt, descAt + descsz).toString('hex');
    at = next;
  }
  return undefined;
}

export async function probeBuildId(root: string): Promise<string | undefined> {
  try {
    return gnuBuildId(await readFile(underRoot(root, '/sys/kernel/notes')));
  } catch {
    return undefined;
  }
}
