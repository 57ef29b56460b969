import { ensureLabImage } from './image.js';
const t = Date.now();
const img = await ensureLabImage({ log: (l) => console.log(new Date().toISOString().slice(11,19), l) });
console.log(JSON.stringify(img, null, 2));
console.log('ensureLabImage took', (Date.now() - t) / 1000, 's');
