import type { TransportAddress } from '../../core/endpoint.ts';
import { Rng } from '../../core/rng.ts';
import type { NatConfig, NatConfigOverrides } from './config.ts';
import { DEFAULT_NAT_CONFIG, withOverrides } from './config.ts';
import { NatTable } from './table.ts';

/** Shared by the NAT tests: addresses from the documentation ranges, and a table built in one line. */

export const addr = (text: string): TransportAddress => {
  const i = text.lastIndexOf(':');
  return { ip: text.slice(0, i), port: Number(text.slice(i + 1)) };
};

export const NAT_IP = '192.0.2.1';

export function makeNat(overrides: NatConfigOverrides = {}, options: { base?: NatConfig; external?: string[]; seed?: number } = {}): NatTable {
  const config = withOverrides(options.base ?? DEFAULT_NAT_CONFIG, overrides);
  return new NatTable({ config, externalAddresses: options.external ?? [NAT_IP], rng: Rng.fromSeed(options.seed ?? 1).fork('nat') });
}

/** The external address an outbound packet leaves with; fails the test when the NAT drops it. */
export function send(nat: NatTable, now: number, from: string, to: string): TransportAddress {
  const d = nat.outbound(now, addr(from), addr(to));
  if (d.action !== 'forward') throw new Error(`outbound ${from} -> ${to} dropped: ${d.text}`);
  return d.external;
}

export const text = (a: TransportAddress): string => `${a.ip}:${a.port}`;
