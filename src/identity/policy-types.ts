import type { managedPolicies, parsePolicy } from './policy';

/** The policy module's compiled document and AWS managed policy, by what its functions return (not by its type names). */
export type PolicyDoc = Extract<ReturnType<typeof parsePolicy>, { ok: true }>['doc'];
export type ManagedPolicy = NonNullable<ReturnType<(typeof managedPolicies)['get']>>;
