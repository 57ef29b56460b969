// Soft-RoCE (rdma_rxe) over a veth pair on this box, for runs without RDMA hardware. The pair
// carries no address: perftest's out-of-band exchange goes over loopback TCP and both queue
// pairs sit on the same rxe device (GID index 0, the link-local GID of the veth). Torn down
// after every run, even a failed one; a leftover from a killed run is removed first.
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { startChild } from '../../core/proc/child.js';

/** Our veth names: fixed so a leftover is recognisable, short enough for IFNAMSIZ (15). */
export const RXE_VETH = 'dmabench0';
export const RXE_VETH_PEER = 'dmabench1';

export interface SoftRoce {
  device: string;
  netdev: string;
  teardown(): Promise<void>;
}

export interface RxeOptions {
  log: (line: string) => void;
  signal?: AbortSignal;
  /** Per command. */
  timeoutMs?: number;
  /** How long the rxe port may take to become ACTIVE. */
  activeTimeoutMs?: number;
  /** Where sysfs is (tests). */
  sysRoot?: string;
}

export class SoftRoceError extends Error {
  override name = 'SoftRoceError';
}

async function run(cmd: string, args: string[], opts: RxeOptions): Promise<{ ok: boolean; text: string }> {
  const r = await startChild(cmd, args, { timeoutMs: opts.timeoutMs ?? 30_000, signal: opts.signal, debianPackage: cmd === 'rdma' ? 'iproute2' : cmd === 'modprobe' ? 'kmod' : cmd }).done;
  const text = `${r.stderr}${r.stdout}`.trim();
  if (r.timedOut) return { ok: false, text: `${cmd} ${args.join(' ')} timed out` };
  return { ok: r.exitCode === 0, text };
}

async function must(cmd: string, args: string[], opts: RxeOptions): Promise<void> {
  const r = await run(cmd, args, opts);
  if (!r.ok) throw new SoftRoceError(`Soft-RoCE set-up: \`${cmd} ${args.join(' ')}\` failed: ${r.text || 'no output'}`);
}

function readTrim(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** The netdev an RDMA device is bound to, from its first port's GID table. */
function rdmaNetdev(sys: string, device: string): string | undefined {
  return readTrim(`${sys}/class/infiniband/${device}/ports/1/gid_attrs/ndevs/0`) ?? readTrim(`${sys}/class/infiniband/${device}/parent`);
}

export async function setupSoftRoce(device: string, opts: RxeOptions): Promise<SoftRoce> {
  const sys = opts.sysRoot ?? '/sys';
  // Clean-up runs after an abort too, so it must not listen to the abort signal: only to its
  // own per-command deadline.
  const cleanupOpts: RxeOptions = { ...opts, signal: undefined };
  const removeOurs = async (): Promise<void> => {
    if (existsSync(`${sys}/class/infiniband/${device}`) && rdmaNetdev(sys, device) === RXE_VETH) {
      await run('rdma', ['link', 'delete', device], cleanupOpts);
    }
    // Deleting one end of a veth pair deletes both.
    if (existsSync(`${sys}/class/net/${RXE_VETH}`)) await run('ip', ['link', 'delete', RXE_VETH], cleanupOpts);
  };

  await removeOurs();
  if (existsSync(`${sys}/class/infiniband/${device}`)) {
    throw new SoftRoceError(
      `an RDMA device named ${device} exists already (netdev ${rdmaNetdev(sys, device) ?? 'unknown'}): use it with rxe: false, or name another device`,
    );
  }
  const teardown = async (): Promise<void> => {
    await removeOurs();
    opts.log(`rxe: removed ${device} and ${RXE_VETH}/${RXE_VETH_PEER}`);
  };
  try {
    // modprobe fails harmlessly when the driver is built in; rdma link add then says what is wrong.
    const mod = await run('modprobe', ['rdma_rxe'], opts);
    if (!mod.ok) opts.log(`rxe: modprobe rdma_rxe: ${mod.text}`);
    await must('ip', ['link', 'add', RXE_VETH, 'type', 'veth', 'peer', 'name', RXE_VETH_PEER], opts);
    await must('ip', ['link', 'set', RXE_VETH, 'up'], opts);
    await must('ip', ['link', 'set', RXE_VETH_PEER, 'up'], opts);
    await must('rdma', ['link', 'add', device, 'type', 'rxe', 'netdev', RXE_VETH], opts);
    await waitActive(sys, device, opts);
  } catch (err) {
    await teardown().catch(() => undefined);
    throw err;
  }
  opts.log(`rxe: ${device} over ${RXE_VETH} is ACTIVE`);
  return { device, netdev: RXE_VETH, teardown };
}

async function waitActive(sys: string, device: string, opts: RxeOptions): Promise<void> {
  const file = `${sys}/class/infiniband/${device}/ports/1/state`;
  const deadline = Date.now() + (opts.activeTimeoutMs ?? 15_000);
  let state: string | undefined;
  while (Date.now() < deadline) {
    opts.signal?.throwIfAborted();
    state = readTrim(file);
    if (state && /ACTIVE/.test(state)) return;
    await sleep(200);
  }
  throw new SoftRoceError(`Soft-RoCE set-up: ${device} port 1 did not become ACTIVE (state: ${state ?? 'missing'})`);
}
