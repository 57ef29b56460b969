#!/usr/bin/env node
// A stand-in for ib_write_bw used only to test dmabench's process handling (deadlines, tree
// kills), never its parsers: this machine has no RDMA device, so the real tool cannot reach the
// states tested here (a server that listens and then never answers; one that never listens).
// Modes (env STANDIN_MODE): `hang` listens on -p PORT and never answers; its client connects
// and waits; `no-listen` never listens. Each process also starts a `sleep` in a session of its
// own (like fio's setsid jobs) and appends its pids to $STANDIN_PIDS.
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import net from 'node:net';

const args = process.argv.slice(2);
if (args.includes('--version')) {
  console.log('Version: stand-in');
  process.exit(0);
}
const port = Number(args[args.indexOf('-p') + 1]);
const last = args[args.length - 1];
const isClient = /^\d+\.\d+\.\d+\.\d+$/.test(last);
const child = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
appendFileSync(process.env.STANDIN_PIDS, `${process.pid}\n${child.pid}\n`);
const mode = process.env.STANDIN_MODE;
if (isClient) {
  net.connect(port, last);
} else if (mode === 'hang') {
  net.createServer(() => undefined).listen(port, '0.0.0.0');
}
setInterval(() => undefined, 1000);
