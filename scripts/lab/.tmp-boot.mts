import { ensureLabImage } from './image.js';
import { bootGuest } from './boot.js';
import { iommuGroupsCommand } from './iommu-groups.js';
const image = await ensureLabImage({ log: console.log });
const r = await bootGuest({ image, kernel: process.argv[2] ?? '7', iommu: (process.argv[3] ?? 'strict') as 'strict', command: iommuGroupsCommand, timeoutSec: 120, consoleLog: '/tmp/boot1.log' });
console.log(r);
