#!/usr/bin/env node
// A stand-in for ssh used only to test the remote-server path without a second machine: like
// ssh, it joins the words after the destination with spaces and hands them to a shell (here a
// local `sh -c`), with $STANDIN_BIN first on PATH so `ib_write_bw` is the ib_write_bw stand-in.
// Its own argv goes to $STANDIN_SSH_ARGV (JSON) for the test to inspect.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import process from 'node:process';

const args = process.argv.slice(2);
writeFileSync(process.env.STANDIN_SSH_ARGV, JSON.stringify(args));
const words = args.slice(args.indexOf('--') + 1);
const child = spawn('sh', ['-c', words.join(' ')], {
  stdio: ['ignore', 'inherit', 'inherit'],
  env: { ...process.env, PATH: `${process.env.STANDIN_BIN}:${process.env.PATH}` },
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
