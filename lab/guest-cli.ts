// Where the lab guests find dmabench: one bundled file (scripts/build/guest-cli.ts says why), relative
// to the checkout's root. Every command a guest runs uses it.
export const GUEST_CLI = 'dist/dmabench.mjs';
