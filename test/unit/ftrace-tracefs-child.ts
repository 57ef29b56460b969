// Child process of ftrace-tracefs.test.ts: begins a tracefs pass (in instances/dmabench-<its pid>),
// says PASS-RUNNING with its pid and waits to be interrupted. The pass's own signal handler must
// remove the instance before the process dies; SIGKILL leaves it for the next pass to remove.
import { TracefsPass } from '../../collectors/ftrace/tracefs.js';

const cfg = JSON.parse(process.argv[2] ?? '{}') as Parameters<typeof TracefsPass.begin>[0];
const pass = await TracefsPass.begin(cfg);
pass.start();
process.stdout.write(`PASS-RUNNING ${process.pid}\n`);
setInterval(() => undefined, 1000);
