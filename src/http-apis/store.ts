import type { HttpApiRecord } from './records';

/**
 * Persistence of HTTP APIs: one record per API (records.ts). Every write
 * resolves only once committed and durable.
 */
export interface HttpApiStore {
  /** false when an API with that id exists (nothing written). */
  createHttpApi(rec: HttpApiRecord): Promise<boolean>;
  getHttpApi(apiId: string): Promise<HttpApiRecord | undefined>;
  /** APIs by id after `afterId` (exclusive). */
  listHttpApis(afterId: string | undefined, limit: number): Promise<HttpApiRecord[]>;
  /**
   * Replaces the API by `change(current)` in one transaction; undefined when
   * there is no such API. A `change` that throws writes nothing (the error
   * is passed on).
   */
  updateHttpApi(apiId: string, change: (cur: HttpApiRecord) => HttpApiRecord): Promise<HttpApiRecord | undefined>;
  /** false when there was no such API. */
  deleteHttpApi(apiId: string): Promise<boolean>;
}
