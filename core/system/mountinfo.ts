// Parser of /proc/self/mountinfo (proc(5)): which filesystem is mounted where, by device number.

export interface MountEntry {
  mountId: number;
  parentId: number;
  /** "major:minor" of the mounted device (0:N for virtual filesystems). */
  devno: string;
  root: string;
  mountPoint: string;
  options: string;
  fsType: string;
  source: string;
}

/** Mount points escape space, tab, newline and backslash as octal (\040 ...). */
function unescapeOctal(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Parses mountinfo text; malformed lines are skipped. */
export function parseMountinfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const dash = fields.indexOf('-', 6);
    if (fields.length < 10 || dash < 0) continue;
    const [mountId, parentId, devno, root, mountPoint, options] = fields;
    entries.push({
      mountId: Number(mountId),
      parentId: Number(parentId),
      devno: devno ?? '',
      root: unescapeOctal(root ?? ''),
      mountPoint: unescapeOctal(mountPoint ?? ''),
      options: options ?? '',
      fsType: fields[dash + 1] ?? '',
      source: unescapeOctal(fields[dash + 2] ?? ''),
    });
  }
  return entries;
}
