// A refusal to touch a target (a file or a block device) that is not provably dmabench's to use.
// It lives in the vocabulary because three layers act on it: collectors raise it, the runner
// stops the whole run on it (never "one failed repetition, carry on"), the CLI exits 2 with it.

/**
 * The check that fired, named in every refusal so a user can tell which guard spoke.
 * - `kind`: the path is not what the target's kind says (a device under `kind: file`, ...).
 * - `destructive`: a write to a device without `destructive: true`.
 * - `foreign-file`: a write to a file dmabench did not create, without `destructive: true`.
 * - `mount`, `swap`, `holders`: the device (or a partition, holder or its parent disk) is in use.
 * - `exclusive-open`: the kernel refused an O_EXCL open: something has claimed the device.
 * - `partitions`, `member`, `signature`: the device holds data (a partition table, a RAID, LVM,
 *   ZFS, bcache or LUKS member, a filesystem).
 * - `probe`: a check could not be made (a tool or a file missing); unknown counts as unsafe.
 * - `identity`: the device is not the one checked earlier (number, disk sequence, serial, WWID).
 */
export type SafetyCheck =
  | 'kind'
  | 'destructive'
  | 'foreign-file'
  | 'mount'
  | 'swap'
  | 'holders'
  | 'exclusive-open'
  | 'partitions'
  | 'member'
  | 'signature'
  | 'probe'
  | 'identity';

export class DeviceSafetyError extends Error {
  override name = 'DeviceSafetyError';
  constructor(
    readonly check: SafetyCheck,
    message: string,
  ) {
    super(message);
  }
}
