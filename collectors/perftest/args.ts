// ib_write_bw command lines for both sides of one cell. Server and client get the same test
// options (perftest compares some of them during its handshake); only the client names a host.
import type { PerftestParams, PerftestRemote } from './params.js';

export interface SideOptions {
  /** Where this side writes perftest's --out_json report; omitted: no JSON. */
  jsonFile?: string;
  /** Device for this side when it differs from the cell's (the remote side's `remote.device`). */
  device?: string;
}

/** Options common to server and client, in the order perftest's usage lists them. */
function testArgs(p: PerftestParams, side: SideOptions): string[] {
  const args: string[] = [];
  const device = side.device ?? p.device;
  if (device !== undefined) args.push('-d', device);
  // -F: do not warn (and stall) about cpufreq governors; a warning is not a result.
  args.push('-F');
  args.push('-p', String(p.port));
  if (p.size === 'all') args.push('-a');
  else args.push('-s', String(p.size));
  if (p.iterations !== undefined) args.push('-n', String(p.iterations));
  if (p.duration !== undefined) args.push('-D', String(p.duration));
  if (p.qps !== undefined) args.push('-q', String(p.qps));
  if (p.tx_depth !== undefined) args.push('-t', String(p.tx_depth));
  if (p.inline_size !== undefined) args.push('-I', String(p.inline_size));
  if (p.gid_index !== undefined) args.push('-x', String(p.gid_index));
  if (p.mtu !== undefined) args.push('-m', String(p.mtu));
  if (p.bidirectional) args.push('-b');
  if (p.odp) args.push('--odp');
  if (p.report_gbits) args.push('--report_gbits');
  if (side.jsonFile !== undefined) args.push('--out_json', `--out_json_file=${side.jsonFile}`);
  return args;
}

export function buildServerArgs(p: PerftestParams, side: SideOptions = {}): string[] {
  return testArgs(p, side);
}

export function buildClientArgs(p: PerftestParams, serverHost: string, side: SideOptions = {}): string[] {
  return [...testArgs(p, side), serverHost];
}

/**
 * Quotes one word for a POSIX shell. ssh joins its command words with spaces and the remote
 * side hands the result to the user's shell, so each word must arrive as exactly one word.
 */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_./=:@%+-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * ssh arguments that run the server on the remote host. `timeout` on the far side bounds the
 * server even if our ssh dies without the remote end noticing (no tty, so no SIGHUP there).
 */
export function buildRemoteServerSsh(remote: PerftestRemote, serverArgs: string[], remoteTimeoutSec: number): string[] {
  const opts = ['-o', 'BatchMode=yes', ...remote.sshOptions.flatMap((o) => ['-o', o])];
  const command = ['timeout', '-k', '5', String(Math.ceil(remoteTimeoutSec)), 'ib_write_bw', ...serverArgs];
  return [...opts, `${remote.user}@${remote.host}`, '--', ...command.map(shellQuote)];
}
