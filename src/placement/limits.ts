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
 * What an unbound pooled EE holds of the host's EE memory budget, MB (its
 * class when that is smaller): until a function is bound to it, it runs
 * only Kumo's bootstrap waiting for code (a node 20 runtime ~45 MB RSS, a
 * python one less: bench "runtime process RSS"), whatever its class's
 * cgroup limit. Charging the whole class let idle on-demand EEs, which
 * pooled EEs never evict, starve the pool on a full budget (bench: no
 * pooled start after the first run of 1,769 MB functions). At bind the cold
 * start holds its function's MemorySize, taken the ordinary way.
 */
export const prewarmUnboundChargeMb = 64;
/**
 * Variables a runtime reads only when its process starts (so a pooled EE,
 * whose process is already running, could not honour them): a function
 * setting any of them starts the ordinary way.
 */
export const prewarmStartupVariables = {
  nodejs: /^(NODE_|UV_|OPENSSL_|SSL_CERT_|LD_|MALLOC_|GLIBC_TUNABLES$|LC_|LANGUAGE$)/,
  python: /^(PYTHON|OPENSSL_|SSL_CERT_|LD_|MALLOC_|GLIBC_TUNABLES$|LC_|LANGUAGE$)/,
} as const;

/**
 * How long the role-session credentials an EE gets (issue 18) stay valid,
 * unless KUMO_EE_CREDENTIALS_MS says otherwise. An EE's environment cannot
 * change, so its credentials must outlive it: the EE is retired before they
 * expire (`eeRetireAtMs`). AWS: a role session lasts up to 12 h (the role's
 * MaxSessionDuration, 3,600–43,200 s); Lambda refreshes an EE's credentials
 * itself. Kumo's choice: 6 h, which bounds an EE's life to about 6 h.
 */
export const eeCredentialsDurationMsDefault = 6 * 60 * 60_000;
/** Shortest KUMO_EE_CREDENTIALS_MS accepted (a test setting; the same code path). */
export const eeCredentialsDurationMsMin = 10_000;
/**
 * Slack between an EE's last possible invocation end and its credentials'
 * expiry (clock reads, the reaper's period): the smaller of 5 minutes and a
 * tenth of the session.
 */
export const eeCredentialsMarginMsMax = 5 * 60_000;
export const eeCredentialsMarginFraction = 0.1;

/**
 * When an EE whose credentials expire at `expiresAtMs` stops taking
 * invocations: an invocation starting before then (at most `timeoutMs`
 * long) ends before the expiry, with the margin to spare.
 */
export function eeRetireAtMs(mintedAtMs: number, expiresAtMs: number, timeoutMs: number): number {
  return expiresAtMs - timeoutMs - eeCredentialsMarginMs(expiresAtMs - mintedAtMs);
}

export function eeCredentialsMarginMs(durationMs: number): number {
  return Math.min(eeCredentialsMarginMsMax, Math.floor(durationMs * eeCredentialsMarginFraction));
}
