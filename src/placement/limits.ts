/**
 * Placement's own limits and fixed values, units last in every name (Kumo's
 * choices: AWS documents no pre-initialised EEs; its workers are its own).
 */

/** A pool key's target counts its cold starts within this window (pre-initialised EEs, prewarm-pool.ts). */
export const prewarmDemandWindowMs = 60_000;
/** A key with no cold start for this long gets no pooled EEs (its waiting ones are destroyed). */
export const prewarmKeepMs = 10 * 60_000;
/** Pooled EEs of all keys together, unless KUMO_PREWARM_POOL_MAX says otherwise. */
export const prewarmPoolMaxDefault = 4;
/**
 * Memory classes of pooled EEs, MB: a pooled EE starts with its class's
 * limit (the smallest class that holds the function's MemorySize) and gets
 * the function's own when bound. Lambda's range is 128–10,240.
 */
export const prewarmMemoryClassesMb = [128, 256, 512, 1024, 1769, 3008, 10240] as const;
/**
 * Variables a runtime reads only when its process starts (so a pooled EE,
 * whose process is already running, could not honour them): a function
 * setting any of them starts the ordinary way.
 */
export const prewarmStartupVariables = {
  nodejs: /^(NODE_|UV_|OPENSSL_|SSL_CERT_|LD_|MALLOC_|GLIBC_TUNABLES$|LC_|LANGUAGE$)/,
  python: /^(PYTHON|OPENSSL_|SSL_CERT_|LD_|MALLOC_|GLIBC_TUNABLES$|LC_|LANGUAGE$)/,
} as const;
