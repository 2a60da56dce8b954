/**
 * The records control's operations return, for the service layer to shape
 * into AWS's answers. They are defined in domain/records.ts (the store persists them);
 * services import them from here, never from store/ (src/boundaries.test.ts).
 */
export type { AliasRecord, EventInvokeConfigRecord, FunctionPolicyRecord, FunctionUrlCors, FunctionUrlRecord, ProvisionedConcurrencyRecord, LayerVersionRecord, VersionRecord } from '../domain/records';
export type { EventSourceMappingRecord } from '../domain/event-source-mapping';
