// Bundles the built CLI (dist/cli/main.js and every module it can load, node_modules included) into
// one file, dist/dmabench.mjs, for the lab guests; and each lab test's guest program
// (dist/test/lab/*-guest.js) into one file beside it (*-guest.mjs). Under QEMU's TCG a Node process spends ~10 s
// resolving and linking the ~470 ES modules of the CLI before it does anything; one module takes a
// fraction of that. The host keeps running dist/cli/main.js: there the difference is well under a second.
// Run by `npm run build`, after tsc.
import { build, type BuildOptions } from 'esbuild';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { packageRoot as root } from '../../core/version.js';
import { GUEST_CLI } from '../../lab/guest-cli.js';

const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Native and optional: loaded from node_modules at run time when present (PNG charts only).
  external: ['canvas', 'chartjs-node-canvas'],
  // CommonJS packages inside an ES module bundle call require() for Node's built-ins.
  banner: { js: "import { createRequire as dmabenchCreateRequire } from 'node:module'; const require = dmabenchCreateRequire(import.meta.url);" },
  logLevel: 'warning',
};

await build({ ...common, entryPoints: [path.join(root, 'dist', 'cli', 'main.js')], outfile: path.join(root, GUEST_CLI) });

const labTests = path.join(root, 'dist', 'test', 'lab');
const guestPrograms = readdirSync(labTests).filter((f) => f.endsWith('-guest.js'));
await build({ ...common, entryPoints: guestPrograms.map((f) => path.join(labTests, f)), outdir: labTests, outExtension: { '.js': '.mjs' } });
