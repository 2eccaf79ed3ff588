import type { Endpoint } from '../core/endpoint.ts';
import type { JsonValue } from '../core/trace.ts';
import type { EndpointDriver } from '../net/endpoint-driver.ts';
import type { Host } from '../net/host.ts';
import type { Network } from '../net/network.ts';
import type { Check } from '../scenario/check.ts';
export const SFU_APP_KIND = 'sfu';
export const SFU_CLIENT_APP_KIND = 'sfu-client';
export interface SfuAppSpec { readonly kind: 'sfu'; readonly host: string }
export interface SfuClientAppSpec { readonly kind: 'sfu-client'; readonly host: string }
export function parseSfuApp(_c: Check, _p: string, _o: Record<string, unknown>, _k: Map<string, string>): SfuAppSpec | undefined { return undefined; }
export function parseSfuClientApp(_c: Check, _p: string, _o: Record<string, unknown>, _k: Map<string, string>): SfuClientAppSpec | undefined { return undefined; }
export function buildSfuApp(_n: Network, _h: Host, _s: SfuAppSpec, _src: string, _own: unknown): { endpoint: Endpoint; driver: EndpointDriver } { throw new Error('todo'); }
export function buildSfuClientApp(_n: Network, _h: Host, _s: SfuClientAppSpec, _src: string): { endpoint: Endpoint; driver: EndpointDriver } { throw new Error('todo'); }
export function sfuSummary(_a: unknown): JsonValue | undefined { return undefined; }
