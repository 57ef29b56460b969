// Is a local process listening on a TCP port? perftest's "Waiting for client to connect" banner
// sits in stdio's buffer when stdout is a pipe (seen with perftest 6.24: nothing arrives until the
// test ends), so the banner cannot tell us. The kernel can: a LISTEN socket on the port in
// /proc/net/tcp{,6} whose inode is one of the server's open file descriptors.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { processTree } from '../../core/proc/tree.js';

const TCP_LISTEN = '0A';

/** Inodes of sockets in LISTEN state on `port`, from /proc/net/tcp and /proc/net/tcp6. */
export function listeningInodes(port: number, procRoot = '/proc'): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['tcp', 'tcp6']) {
    let text: string;
    try {
      text = readFileSync(`${procRoot}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      if (f.length < 10 || f[3] !== TCP_LISTEN) continue;
      const localPort = parseInt(f[1]!.split(':')[1] ?? '', 16);
      if (localPort === port) inodes.add(f[9]!);
    }
  }
  return inodes;
}

/** Socket inodes held open by `pid` and its descendants. */
export function socketInodes(pid: number, procRoot = '/proc'): Set<string> {
  const inodes = new Set<string>();
  for (const p of processTree(pid)) {
    let fds: string[];
    try {
      fds = readdirSync(`${procRoot}/${p}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`${procRoot}/${p}/fd/${fd}`));
        if (m) inodes.add(m[1]!);
      } catch {
        // closed while we looked
      }
    }
  }
  return inodes;
}

/** True when `pid` (or a descendant) has a LISTEN socket on `port`. */
export function processListensOn(pid: number, port: number): boolean {
  const listening = listeningInodes(port);
  if (listening.size === 0) return false;
  for (const inode of socketInodes(pid)) if (listening.has(inode)) return true;
  return false;
}
