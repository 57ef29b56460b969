// Parameters of one ib_write_bw matrix cell, validated before anything runs.
// Matrix values are plain scalars, so the remote peer is written as dotted keys
// (`remote.host`, `remote.user`, `remote.ssh_options`, `remote.device`) and folded here into
// one object. Every value that ends up on a command line is restricted to a safe alphabet:
// the remote side goes through ssh, whose far end always hands the command to a shell.
import { z } from 'zod';
import type { ZodIssue } from 'zod';
import type { CellParams } from '../../model/cell.js';

// YAML matrices give numbers, but a value passed on a command line arrives as a string.
const digitsToNumber = (v: unknown): unknown => (typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v);
const intIn = (min: number, max: number) => z.preprocess(digitsToNumber, z.number().int().min(min).max(max));
const flag = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());

/** RDMA device names (`rxe0`, `mlx5_0`): also used as a veth-backed Soft-RoCE name. */
const deviceName = z.string().regex(/^[A-Za-z0-9_.-]{1,63}$/, 'an RDMA device name such as rxe0 or mlx5_0');

/** perftest's -a runs sizes 2 .. 2^23; a single size must fit its 32-bit size field. */
export const PERFTEST_MAX_SIZE = 2 ** 31 - 1;
/** MTUs ib_write_bw -m accepts. */
export const PERFTEST_MTUS = [256, 512, 1024, 2048, 4096] as const;
export const PERFTEST_DEFAULT_PORT = 18515;

const sshOption = /^[A-Za-z][A-Za-z0-9]*=[A-Za-z0-9_.,:@%+/=-]+$/;
/** ssh -o keys a campaign may set: connection details only, nothing that runs a local command (ProxyCommand, LocalCommand). */
export const ALLOWED_SSH_OPTIONS = [
  'AddressFamily',
  'CertificateFile',
  'Compression',
  'ConnectTimeout',
  'HostKeyAlias',
  'IdentitiesOnly',
  'IdentityFile',
  'LogLevel',
  'Port',
  'ProxyJump',
  'ServerAliveCountMax',
  'ServerAliveInterval',
  'StrictHostKeyChecking',
  'UserKnownHostsFile',
] as const;
const sshOptionWord = z
  .string()
  .refine(
    (o) => sshOption.test(o) && (ALLOWED_SSH_OPTIONS as readonly string[]).includes(o.split('=')[0]!),
    `ssh options as Key=Value words, keys among ${ALLOWED_SSH_OPTIONS.join(', ')}`,
  );

export const remoteSchema = z
  .object({
    host: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.:-]*$/, 'a host name or address'),
    user: z.string().regex(/^[a-z_][a-z0-9_.-]*$/i, 'a user name'),
    /** `-o` options for ssh, `Key=Value` separated by spaces, e.g. `Port=2222 IdentityFile=/root/.ssh/lab`. */
    sshOptions: z
      .string()
      .optional()
      .transform((s) => (s ?? '').split(/\s+/).filter(Boolean))
      .pipe(z.array(sshOptionWord)),
    /** RDMA device on the remote side (default: the local `device`). */
    device: deviceName.optional(),
  })
  .strict();

export const perftestParamsSchema = z
  .object({
    /** Message size in bytes, or `all` for perftest's -a sweep (2 .. 8 MiB). */
    size: z.union([z.literal('all'), intIn(1, PERFTEST_MAX_SIZE)]).default(65536),
    /** -n: exchanges per size (perftest needs at least 5). */
    iterations: intIn(5, 1e9).optional(),
    /** -D: seconds per size; perftest then reports no peak bandwidth. */
    duration: intIn(1, 86400).optional(),
    qps: intIn(1, 16384).optional(),
    tx_depth: intIn(1, 65536).optional(),
    inline_size: intIn(0, 65536).optional(),
    odp: flag.default(false),
    bidirectional: flag.default(false),
    report_gbits: flag.default(false),
    /** TCP port of perftest's out-of-band exchange. */
    port: intIn(1, 65535).default(PERFTEST_DEFAULT_PORT),
    gid_index: intIn(0, 255).optional(),
    mtu: z
      .preprocess(digitsToNumber, z.number().int())
      .refine((m) => (PERFTEST_MTUS as readonly number[]).includes(m), `one of ${PERFTEST_MTUS.join(', ')}`)
      .optional(),
    /** RDMA device (-d). Default: `rxe0` with rxe, otherwise perftest's first device. */
    device: deviceName.optional(),
    /** Create Soft-RoCE over a veth pair on this box before the run and remove it afterwards. */
    rxe: flag.default(false),
    remote: remoteSchema.optional(),
  })
  .strict()
  .refine((p) => !(p.iterations !== undefined && p.duration !== undefined), {
    message: 'give iterations (-n) or duration (-D), not both',
    path: ['duration'],
  })
  .refine((p) => !(p.rxe && p.remote), {
    message: 'rxe sets up Soft-RoCE over a veth pair on this box only; it cannot reach a remote host',
    path: ['rxe'],
  })
  .transform((p) => ({ ...p, device: p.device ?? (p.rxe ? 'rxe0' : undefined) }));

export type PerftestParams = z.output<typeof perftestParamsSchema>;
export type PerftestRemote = z.output<typeof remoteSchema>;

const remoteKeys: Record<string, string> = { host: 'host', user: 'user', ssh_options: 'sshOptions', device: 'device' };

/** Folds `remote.*` matrix keys into one `remote` object; other keys pass through. */
export function foldRemoteKeys(params: CellParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const remote: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) {
    if (!key.startsWith('remote.')) {
      out[key] = value;
      continue;
    }
    const sub = key.slice('remote.'.length);
    // Unknown sub-keys are kept under their own name so the strict schema names them.
    remote[remoteKeys[sub] ?? sub] = typeof value === 'number' ? String(value) : value;
  }
  if (Object.keys(remote).length > 0) out.remote = remote;
  return out;
}

export function validatePerftestParams(params: CellParams): ZodIssue[] {
  const result = perftestParamsSchema.safeParse(foldRemoteKeys(params));
  return result.success ? [] : result.error.issues;
}

export function parsePerftestParams(params: CellParams): PerftestParams {
  return perftestParamsSchema.parse(foldRemoteKeys(params));
}
