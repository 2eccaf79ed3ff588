import { formatTransportAddress } from '../../core/endpoint.ts';
import { getAttribute, getAttributes } from './attributes.ts';
import { XorMappedAddress, MappedAddress, XorPeerAddress, XorRelayedAddress } from './attrs-address.ts';
import { UseCandidate } from './attrs-ice-nat.ts';
import { ErrorCode, reasonText } from './attrs-stun.ts';
import { ChannelNumber, Data, Lifetime } from './attrs-turn.ts';
import type { ChannelData } from './channel-data.ts';
import { hex16, Method } from './constants.ts';
import type { StunMessage } from './message.ts';
import { messageTypeName } from './message.ts';

/** A Send or Data indication with a DATA attribute: it carries a relayed datagram (RFC 8656 §11.4, §11.6). */
export function carriesRelayedData(m: StunMessage): boolean {
  return m.class === 'indication' && (m.method === Method.Send || m.method === Method.Data) && getAttribute(m, Data) !== undefined;
}

/**
 * One line for the visualizer: "Binding Request (USE-CANDIDATE)", "Allocate Error Response 401 Unauthorized",
 * "ChannelBind Request (0x4000 → 192.0.2.1:3480)", "ChannelData 0x4000 (120 bytes)".
 */
export function describe(m: StunMessage | ChannelData): string {
  if ('channel' in m) return `ChannelData ${hex16(m.channel)} (${m.data.length} bytes)`;
  let s = messageTypeName(m.method, m.class);
  const err = getAttribute(m, ErrorCode);
  if (m.class === 'error' && err) s += ` ${err.code} ${reasonText(err.reason)}`;
  const details: string[] = [];
  if (getAttribute(m, UseCandidate)) details.push('USE-CANDIDATE');
  const lifetime = getAttribute(m, Lifetime);
  if (m.method === Method.Refresh && m.class === 'request' && lifetime === 0) details.push('LIFETIME 0');
  const peers = getAttributes(m, XorPeerAddress);
  const channel = getAttribute(m, ChannelNumber);
  if (m.method === Method.ChannelBind && channel !== undefined && peers[0]) details.push(`${hex16(channel)} → ${formatTransportAddress(peers[0])}`);
  else if (m.method === Method.CreatePermission && m.class === 'request' && peers.length) details.push(peers.map((p) => p.ip).join(', '));
  else if ((m.method === Method.Send || m.method === Method.Data) && peers[0]) {
    const data = getAttribute(m, Data);
    details.push(`${formatTransportAddress(peers[0])}${data ? `, ${data.length} bytes` : ''}`);
  }
  if (m.class === 'success') {
    const relayed = getAttribute(m, XorRelayedAddress);
    if (m.method === Method.Allocate && relayed) details.push(`relayed ${formatTransportAddress(relayed)}`);
    const mapped = getAttribute(m, XorMappedAddress) ?? getAttribute(m, MappedAddress);
    if (m.method === Method.Binding && mapped) details.push(`mapped ${formatTransportAddress(mapped)}`);
  }
  return details.length ? `${s} (${details.join(', ')})` : s;
}
