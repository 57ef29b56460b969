// Shared by the lab tests: they need root (debootstrap, virtiofsd) and a fresh dist/ (the guest
// runs the built CLI), and they run the real CLI, as a user would.
import { execa } from 'execa';
import { repoRoot } from '../helpers/paths.js';

export function assertRoot(): void {
  if (process.getuid?.() !== 0) throw new Error('the lab tests need root (debootstrap, virtiofsd, QEMU)');
}

let built: Promise<unknown> | undefined;

/** Builds dist/ once per test process, so the guest runs the code under test. */
export function buildOnce(): Promise<unknown> {
  built ??= execa('npm', ['run', '--silent', 'build'], { cwd: repoRoot, stdio: 'inherit' });
  return built;
}
