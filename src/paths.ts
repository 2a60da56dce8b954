import path from 'node:path';

/** The repository root (this file compiles to dist/src/paths.js). */
export const projectRoot = path.resolve(__dirname, '..', '..');
/** Host directory mounted read-only at /var/runtime in every EE. */
export const runtimesDir = path.join(projectRoot, 'runtimes');
