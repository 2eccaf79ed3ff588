export type { Endpoint, TransportAddress } from '../sim/core/endpoint.ts';
export type { JsonValue as JsonValueish } from '../sim/core/trace.ts';
