import { ensureLabImage } from './image.js';
import { bootGuest } from './boot.js';
const image = await ensureLabImage({ log: console.log });
const r = await bootGuest({ image, kernel: process.argv[2] ?? '7', iommu: (process.argv[3] ?? 'off') as 'off', command: process.argv.slice(4), timeoutSec: 180, consoleLog: '/tmp/boot2.log' });
console.log(r);
