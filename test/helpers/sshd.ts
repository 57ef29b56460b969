// A real OpenSSH server on loopback for tests of the remote (over ssh) paths: a temporary host
// key, a temporary client key authorised through an AuthorizedKeysFile in the same temporary
// directory, listening on 127.0.0.1 only. Needs root (tests log in as the current user, root)
// and Debian's openssh-server and openssh-client.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';

export const SSHD = '/usr/sbin/sshd';

export interface LoopbackSshd {
  port: number;
  user: string;
  pid: number;
  /** `Key=Value` words for ssh -o (and for the perftest collector's remote.ssh_options). */
  sshOptions: string[];
  /** What sshd has logged so far (-e: its log goes to stderr). */
  log(): string;
  stop(): Promise<void>;
}

async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startLoopbackSshd(): Promise<LoopbackSshd> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dmabench-sshd-'));
  const key = (name: string) => path.join(dir, name);
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'dmabench-test-host', '-f', key('host_key')]);
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'dmabench-test-client', '-f', key('client_key')]);
  copyFileSync(key('client_key.pub'), key('authorized_keys'));
  writeFileSync(
    key('sshd_config'),
    [
      `HostKey ${key('host_key')}`,
      `AuthorizedKeysFile ${key('authorized_keys')}`,
      // The temporary directory is not laid out the way StrictModes wants a home directory.
      'StrictModes no',
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'PidFile none',
      '',
    ].join('\n'),
  );
  // sshd's privilege separation directory; the Debian package creates it only when the service runs.
  if (!existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 });

  const port = await freeLoopbackPort();
  let log = '';
  const child: ResultPromise = execa(SSHD, ['-D', '-e', '-f', key('sshd_config'), '-p', String(port), '-o', 'ListenAddress=127.0.0.1'], {
    reject: false,
    stdin: 'ignore',
    buffer: false,
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    log += chunk;
  });
  const stop = async (): Promise<void> => {
    child.kill('SIGTERM');
    await child;
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 10_000;
  while (!log.includes(`Server listening on 127.0.0.1 port ${port}.`)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`sshd did not start on 127.0.0.1:${port}: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    port,
    user: os.userInfo().username,
    pid: child.pid!,
    sshOptions: [
      `Port=${port}`,
      `IdentityFile=${key('client_key')}`,
      'IdentitiesOnly=yes',
      `UserKnownHostsFile=${key('known_hosts')}`,
      'StrictHostKeyChecking=accept-new',
      // Keeps "Permanently added ... to the list of known hosts" out of the server's stderr.
      'LogLevel=ERROR',
    ],
    log: () => log,
    stop,
  };
}
