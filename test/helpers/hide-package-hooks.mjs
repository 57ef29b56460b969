// Module resolution hooks (node:module register) that make packages look uninstalled: resolving
// a name listed in the DMABENCH_HIDE_PACKAGES environment variable (comma-separated) fails as a
// missing package does (ERR_MODULE_NOT_FOUND). For tests of what dmabench does on a box where an
// optional dependency did not install.
/* global process */
const hidden = new Set((process.env.DMABENCH_HIDE_PACKAGES ?? '').split(',').filter(Boolean));

export async function resolve(specifier, context, nextResolve) {
  if (hidden.has(specifier)) {
    const err = new Error(`Cannot find package '${specifier}' (hidden by test/helpers/hide-package-hooks.mjs)`);
    err.code = 'ERR_MODULE_NOT_FOUND';
    throw err;
  }
  return nextResolve(specifier, context);
}
