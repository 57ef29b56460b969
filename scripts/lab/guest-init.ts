// The guest's PID 1: a sh script the host writes into the rootfs. It prepares the pseudo
// filesystems, loads nvme, runs the job named on the kernel command line (dmabench.job=ID) and
// powers the guest off. The job's argv is one file per argument (job/ID/argv/0, 1, ...), read
// back byte for byte and passed as "$@": no shell string is ever built from the host's values.
// Results go into job/ID/ (exit code, init errors), which the host reads after QEMU is gone.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

/** Paths inside the guest (and, under the rootfs, on the host). */
export const guestLabDir = '/opt/dmabench-lab';
export const guestInitPath = `${guestLabDir}/init`;
export const guestJobRoot = `${guestLabDir}/job`;

export const guestInitScript = `#!/bin/sh
# dmabench lab guest init (PID 1). Written by scripts/lab/guest-init.ts: edits here are overwritten.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=dumb
say() { echo "dmabench-lab: $*"; }

# Without /proc there is no sysrq: leaving PID 1 panics the kernel, and panic=-1 with
# QEMU's -no-reboot then ends the guest, so the host sees the failure quickly.
mount -t proc proc /proc || { say "FATAL: cannot mount /proc"; exit 1; }

is_mounted() { grep -q "^[^ ]* $1 " /proc/mounts; }
stamp() { read -r up _ </proc/uptime; say "[$up s] $*"; }
# After sysrq-o the root filesystem goes away under us: wait with builtins only (running a
# program from the root now would fail, and PID 1 exiting would panic the kernel).
poweroff_now() { sync; echo o > /proc/sysrq-trigger; while :; do :; done; }

JOB=$(sed -n 's/.*dmabench\\.job=\\([A-Za-z0-9_-]*\\).*/\\1/p' /proc/cmdline)
D=${guestJobRoot}/$JOB
if [ -z "$JOB" ] || [ ! -d "$D/argv" ]; then
  say "FATAL: no job on the kernel command line or no $D/argv"
  poweroff_now
fi
fail() { say "FATAL: $*"; echo "$*" > "$D/init-error"; poweroff_now; }

mnt() { # type dir [options]
  mkdir -p "$2" 2>/dev/null
  is_mounted "$2" && return 0
  if [ -n "$3" ]; then mount -t "$1" -o "$3" "$1" "$2"; else mount -t "$1" "$1" "$2"; fi || fail "cannot mount $1 on $2"
}
stamp a; mnt sysfs /sys; stamp b
mnt devtmpfs /dev
mnt devpts /dev/pts
mnt tmpfs /dev/shm
mnt tmpfs /tmp
mnt tmpfs /run; stamp c
mnt tracefs /sys/kernel/tracing
mnt debugfs /sys/kernel/debug; stamp d
echo dmabench-lab > /proc/sys/kernel/hostname
ip link set lo up 2>/dev/null || say "warning: cannot bring lo up"

stamp "mounted; modprobe nvme"
modprobe nvme || fail "modprobe nvme failed"
i=0
while [ ! -b /dev/nvme0n1 ]; do
  i=$((i + 1))
  [ "$i" -gt 300 ] && fail "/dev/nvme0n1 did not appear within 30 s of modprobe nvme"
  sleep 0.1
done

set --
n=0
while [ -e "$D/argv/$n" ]; do
  a=$(cat "$D/argv/$n"; printf x)
  set -- "$@" "\${a%x}"
  n=$((n + 1))
done
[ "$#" -gt 0 ] || fail "empty argv in $D/argv"

export DMABENCH_LAB_JOB_DIR="$D"
cd /root 2>/dev/null || cd /
stamp "job $JOB: start $1"
"$@" </dev/null
rc=$?
say "job $JOB: exit $rc"
echo "$rc" > "$D/exit.tmp" && mv "$D/exit.tmp" "$D/exit"
poweroff_now
`;

/** Write the init script into the rootfs (atomically: concurrent boots may be reading it). */
export async function writeGuestInit(rootfs: string): Promise<void> {
  const target = path.join(rootfs, guestInitPath);
  await fs.mkdir(path.dirname(target), { recursive: true });
  try {
    if ((await fs.readFile(target, 'utf8')) === guestInitScript) return;
  } catch {
    // not there yet
  }
  const tmp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await fs.writeFile(tmp, guestInitScript, { mode: 0o755 });
  await fs.rename(tmp, target);
}

export interface GuestJob {
  id: string;
  /** Host path of the job directory inside the rootfs. */
  hostDir: string;
}

/** Create a job directory holding argv, one file per argument. */
export async function createGuestJob(rootfs: string, argv: string[]): Promise<GuestJob> {
  if (argv.length === 0) throw new Error('the guest command is empty');
  for (const a of argv) if (a.includes('\0')) throw new Error('a guest command argument contains a NUL byte');
  const id = `${Date.now().toString(36)}-${process.pid}-${randomBytes(4).toString('hex')}`;
  const hostDir = path.join(rootfs, guestJobRoot, id);
  await fs.mkdir(path.join(hostDir, 'argv'), { recursive: true });
  for (const [i, a] of argv.entries()) await fs.writeFile(path.join(hostDir, 'argv', String(i)), a);
  return { id, hostDir };
}

export type GuestJobOutcome =
  | { kind: 'exited'; exitCode: number }
  | { kind: 'init-error'; message: string }
  | { kind: 'no-exit-code' };

export async function readGuestJobOutcome(job: GuestJob): Promise<GuestJobOutcome> {
  const read = (name: string): Promise<string | undefined> =>
    fs.readFile(path.join(job.hostDir, name), 'utf8').then(
      (t) => t.trim(),
      () => undefined,
    );
  const initError = await read('init-error');
  if (initError !== undefined) return { kind: 'init-error', message: initError };
  const exit = await read('exit');
  if (exit !== undefined && /^\d+$/.test(exit)) return { kind: 'exited', exitCode: Number(exit) };
  return { kind: 'no-exit-code' };
}
