// What the host must provide for the lab, checked up front so a missing piece fails with the
// Debian package to install instead of a cryptic spawn error halfway through.
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { MissingToolError } from '../core/proc/tool-check.js';

/** The host cannot run the lab as asked (not root). */
export class HostSetupError extends Error {
  override name = 'HostSetupError';
}

export interface HostTool {
  /** Absolute path, or a bare command name looked up in PATH. */
  command: string;
  debianPackage: string;
}

export const hostTools = {
  debootstrap: { command: 'debootstrap', debianPackage: 'debootstrap' },
  chroot: { command: 'chroot', debianPackage: 'coreutils' },
  mount: { command: 'mount', debianPackage: 'mount' },
  qemu: { command: 'qemu-system-x86_64', debianPackage: 'qemu-system-x86' },
  virtiofsd: { command: '/usr/lib/qemu/virtiofsd', debianPackage: 'qemu-system-common' },
} satisfies Record<string, HostTool>;

/** The Debian packages the lab needs on the host (for install scripts and messages). */
export const labHostPackages = ['qemu-system-x86', 'qemu-system-common', 'debootstrap'] as const;

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Absolute path of the tool, or undefined when it is not installed. */
export function findHostTool(tool: HostTool): string | undefined {
  if (tool.command.includes('/')) return isExecutable(tool.command) ? tool.command : undefined;
  const dirs = (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin', '/usr/bin', '/bin']);
  for (const d of dirs) {
    if (!d) continue;
    const p = path.join(d, tool.command);
    if (isExecutable(p)) return p;
  }
  return undefined;
}

export function requireHostTool(tool: HostTool): string {
  const p = findHostTool(tool);
  if (!p) {
    throw new MissingToolError(`the lab needs ${tool.command}, which is not installed: run apt-get install ${tool.debianPackage}`);
  }
  return p;
}

export function requireRoot(what: string): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new HostSetupError(`${what} must run as root (debootstrap, chroot and virtiofsd need it); try sudo`);
  }
}
