// A missing tool is the commonest failure on a fresh box: say which Debian package brings it.
import { execa } from 'execa';

export class MissingToolError extends Error {
  override name = 'MissingToolError';
}

export async function assertToolInstalled(command: string, versionArgs: string[], debianPackage: string): Promise<void> {
  const result = await execa(command, versionArgs, { reject: false, timeout: 10_000 });
  if (result.failed && (result as { code?: string }).code === 'ENOENT') {
    throw new MissingToolError(`${command} not found: install it (Debian: apt-get install ${debianPackage})`);
  }
}
