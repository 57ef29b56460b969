// The guest's PID 1: a sh script the host writes into the rootfs. It prepares the pseudo
// filesystems, loads nvme, runs the job named on the kernel command line (dmabench.job=ID) and
// powers the guest off. The job's argv is a NUL-separated file (job/ID/cmd) read back with
// bash's mapfile and run as "${argv[@]}": no shell string is ever built from the host's values.
// Results go into job/ID/ (exit code, init errors), which the host reads after QEMU is gone.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { isAlive } from '../core/proc/tree.js';

/** Paths inside the guest (and, under the rootfs, on the host). */
export const guestLabDir = '/opt/dmabench-lab';
export const guestInitPath = `${guestLabDir}/init`;
export const guestJobRoot = `${guestLabDir}/job`;

// Under TCG on a busy host every exec costs most of a second, so the script does nearly
// everything with bash builtins: one `mount -a` for all pseudo filesystems, builtin loops
// instead of sleep, mapfile for the argv. Bash (Essential in Debian) rather than dash for mapfile.
export const guestFstab = `# dmabench lab guest mounts, used by ${guestInitPath} (mount -a -T)
proc /proc proc defaults 0 0
sysfs /sys sysfs defaults 0 0
devtmpfs /dev devtmpfs defaults 0 0
devpts /dev/pts devpts X-mount.mkdir 0 0
tmpfs /dev/shm tmpfs X-mount.mkdir 0 0
tmpfs /tmp tmpfs defaults 0 0
tmpfs /run tmpfs defaults 0 0
tracefs /sys/kernel/tracing tracefs defaults 0 0
debugfs /sys/kernel/debug debugfs defaults 0 0
`;

export const guestInitScript = `#!/bin/bash
# dmabench lab guest init (PID 1). Written by lab/guest-init.ts: edits here are overwritten.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=dumb
say() { echo "dmabench-lab: $*"; }
stamp() { local up _; read -r up _ </proc/uptime; say "[$up s] $*"; }
# After sysrq-o the root filesystem goes away under us: wait with builtins only (running a
# program now would fail, and PID 1 exiting would panic the kernel).
poweroff_now() { sync; echo o > /proc/sysrq-trigger; while :; do :; done; }

mount -a -T ${guestLabDir}/fstab
mounted=$?
# Without /proc there is no sysrq and no job id: leaving PID 1 panics the kernel, and
# panic=-1 with QEMU's -no-reboot then ends the guest, so the host sees the failure quickly.
[ -r /proc/cmdline ] || { say "FATAL: cannot mount /proc"; exit 1; }

JOB=
read -r cmdline </proc/cmdline
for w in $cmdline; do
  case $w in dmabench.job=*) JOB=\${w#dmabench.job=} ;; esac
done
D=${guestJobRoot}/$JOB
if [ -z "$JOB" ] || [ ! -f "$D/cmd" ]; then
  say "FATAL: no dmabench.job= on the kernel command line or no $D/cmd"
  poweroff_now
fi
fail() { say "FATAL: $*"; echo "$*" > "$D/init-error"; poweroff_now; }
[ "$mounted" = 0 ] || fail "mount -a -T ${guestLabDir}/fstab failed (see the console above)"

echo dmabench-lab > /proc/sys/kernel/hostname
ip link set lo up || say "warning: cannot bring lo up"

stamp "mounted; modprobe nvme"
modprobe nvme || fail "modprobe nvme failed"
read -r up _ </proc/uptime
deadline=$(( \${up%.*} + 30 ))
while [ ! -b /dev/nvme0n1 ]; do
  read -r up _ </proc/uptime
  [ "\${up%.*}" -ge "$deadline" ] && fail "/dev/nvme0n1 did not appear within 30 s of modprobe nvme"
done

# argv, NUL-separated, exactly as the host wrote it: no shell string is built from it.
mapfile -d '' -t argv <"$D/cmd"
[ "\${#argv[@]}" -gt 0 ] || fail "empty command in $D/cmd"

export DMABENCH_LAB_JOB_DIR="$D"
cd /root 2>/dev/null || cd /
stamp "job $JOB: start \${argv[0]}"
"\${argv[@]}" </dev/null
rc=$?
say "job $JOB: exit $rc"
echo "$rc" > "$D/exit"
poweroff_now
`;

/** Write the init script into the rootfs (atomically: concurrent boots may be reading it). */
export async function writeGuestInit(rootfs: string): Promise<void> {
  await writeIfChanged(path.join(rootfs, guestLabDir, 'fstab'), guestFstab, 0o644);
  await writeIfChanged(path.join(rootfs, guestInitPath), guestInitScript, 0o755);
}

async function writeIfChanged(target: string, text: string, mode: number): Promise<void> {
  await fs.mkdir(path.dirname(target), { recursive: true });
  try {
    if ((await fs.readFile(target, 'utf8')) === text) return;
  } catch {
    // not there yet
  }
  const tmp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await fs.writeFile(tmp, text, { mode });
  await fs.rename(tmp, target);
}

export interface GuestJob {
  id: string;
  /** Host path of the job directory inside the rootfs. */
  hostDir: string;
}

/** Create a job directory holding the command as NUL-separated argv (job/ID/cmd). */
export async function createGuestJob(rootfs: string, argv: string[]): Promise<GuestJob> {
  if (argv.length === 0) throw new Error('the guest command is empty');
  for (const a of argv) if (a.includes('\0')) throw new Error('a guest command argument contains a NUL byte');
  const id = `${Date.now().toString(36)}-${process.pid}-${randomBytes(4).toString('hex')}`;
  const hostDir = path.join(rootfs, guestJobRoot, id);
  await fs.mkdir(hostDir, { recursive: true });
  await fs.writeFile(path.join(hostDir, 'cmd'), argv.map((a) => a + '\0').join(''));
  return { id, hostDir };
}

/** Delete job directories left by processes that are gone (a host killed with SIGKILL). */
export async function removeStaleGuestJobs(rootfs: string): Promise<void> {
  const root = path.join(rootfs, guestJobRoot);
  let names: string[];
  try {
    names = await fs.readdir(root);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(/^[0-9a-z]+-(\d+)-[0-9a-f]+$/.exec(name)?.[1]);
    if (!pid || isAlive(pid)) continue;
    await fs.rm(path.join(root, name), { recursive: true, force: true });
  }
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
