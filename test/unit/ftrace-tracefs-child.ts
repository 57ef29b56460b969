// Child process of ftrace-tracefs.test.ts: begins a tracefs pass, says PASS-RUNNING and waits to
// be interrupted. The pass's own signal handler must restore tracefs before the process dies.
import { TracefsPass } from '../../collectors/ftrace/tracefs.js';

const cfg = JSON.parse(process.argv[2] ?? '{}') as Parameters<typeof TracefsPass.begin>[0];
const pass = await TracefsPass.begin(cfg);
pass.start();
process.stdout.write('PASS-RUNNING\n');
setInterval(() => undefined, 1000);
