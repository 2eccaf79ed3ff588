/**
 * `rtclab/endpoint`: the sans-IO endpoint contract and the registration of app kinds, so a user's own ICE agent,
 * TURN client or DTLS stack runs in a scenario behind our NATs and against our servers and peers, deterministically
 * (docs/architecture.md, "The endpoint contract"; docs/adding-an-app-kind.md).
 */
import type { TransportAddress } from '../sim/core/endpoint.ts';
import { EndpointDriver } from '../sim/net/endpoint-driver.ts';
import type { Host } from '../sim/net/host.ts';
import type { Endpoint } from '../sim/core/endpoint.ts';
import type { World } from '../sim/apps/world.ts';
import type { BuildContext, Built } from '../sim/apps/app-kind.ts';

export type { Endpoint, EndpointOutput, SignalOutput, SignalingEndpoint, Transport, TransportAddress } from '../sim/core/endpoint.ts';
export { formatTransportAddress, isSignalingEndpoint, sameTransportAddress } from '../sim/core/endpoint.ts';
export type { Micros } from '../sim/core/time.ts';
export { MS, SECOND, formatDuration, parseDuration } from '../sim/core/time.ts';
export type { Rng } from '../sim/core/rng.ts';
export type { JsonValue } from '../sim/core/trace.ts';
export type { AppKind, AppKindDefinition, AppSpecBase, BuildContext, Built, BuiltApp, Obj, SummaryPart, SummarySection } from '../sim/apps/app-kind.ts';
export { defineApp, HOST_FIELD, kindField } from '../sim/apps/app-kind.ts';
export { allAppKinds, appKind, registerAppKind, unregisterAppKind } from '../sim/apps/registry.ts';
export type { Field, FieldType, ParseContext, Values } from '../sim/schema/fields.ts';
export { bool, cidr, custom, duration, integer, ip, list, mapped, number, object, oneOf, optional, record, required, text, transport, withDefault } from '../sim/schema/fields.ts';
export type { Check } from '../sim/schema/check.ts';
export type { World } from '../sim/apps/world.ts';
export type { Host } from '../sim/net/host.ts';
export { EndpointDriver } from '../sim/net/endpoint-driver.ts';

/**
 * The usual `build` of an app kind: drives `endpoint` on `host` under the app's source name (its notes' source) and
 * opens a UDP socket on each of `addresses` (which must be the host's: checked through `ctx.own`, naming `field`).
 */
export function attach<E extends Endpoint>(world: World, host: Host, endpoint: E, ctx: BuildContext, addresses: readonly TransportAddress[], field: string): Built<E> {
  for (const a of addresses) ctx.own(a, field);
  const driver = new EndpointDriver(world.net, host, endpoint, ctx.source);
  for (const a of addresses) if (!driver.bound(a)) driver.bind(a.ip, a.port);
  return { endpoint, driver };
}
