// Running a tool to ask it something (its version, a device's signature). A missing tool, a
// timeout or a non-zero exit is an answer, never an exception.
import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';

/** Directories searched besides $PATH: sbin tools (blkid, debootstrap) are missing from a user's PATH. */
const EXTRA_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** The absolute path of an executable named `name`, or undefined when none is found. */
export async function findExecutable(name: string): Promise<string | undefined> {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of new Set(dirs)) {
    const candidate = path.join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

export interface ToolRun {
  /** Did the process start at all. */
  started: boolean;
  exitCode?: number;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** Why it failed to start or was killed. */
  error?: string;
}

/** Runs `file args` with a short timeout and no stdin; never rejects. */
export async function runTool(file: string, args: string[], timeoutMs = 3000): Promise<ToolRun> {
  try {
    const result = await execa(file, args, {
      reject: false,
      timeout: timeoutMs,
      stdin: 'ignore',
      // Version banners and usage texts are what we parse: keep them in English.
      env: { LC_ALL: 'C' },
    });
    const started = result.exitCode !== undefined || result.timedOut;
    return {
      started,
      exitCode: result.exitCode,
      timedOut: result.timedOut,
      stdout: result.stdout,
      stderr: result.stderr,
      error: result.failed && !started ? result.shortMessage : undefined,
    };
  } catch (err) {
    return { started: false, timedOut: false, stdout: '', stderr: '', error: String(err) };
  }
}
