/**
 * The records control's operations return, for the service layer to shape
 * into AWS's answers. They are defined with the store (which persists them);
 * services import them from here, never from store/ (src/boundaries.test.ts).
 */
export type { AliasRecord, LayerVersionRecord, VersionRecord } from '../store/types';
