import { checkUint, defineAttribute, expectEnd, expectLength } from './attribute.ts';
import { bytesAttribute, flagAttribute, u32Attribute, u64Attribute } from './attrs-common.ts';
import { AttrType } from './constants.ts';

/** ICE attributes (RFC 8445 §16.1), NAT behaviour discovery (RFC 5780 §7) and Chromium's GOOG-NETWORK-INFO. */

/** RFC 8445 §16.1: the priority a peer-reflexive candidate learned from this check would get. */
export const Priority = u32Attribute(AttrType.Priority, 'Priority');
/** RFC 8445 §16.1: no value; the controlling agent nominates this pair. */
export const UseCandidate = flagAttribute(AttrType.UseCandidate);
/** RFC 8445 §16.1: 64-bit tie-breaker of the agent that thinks it is controlled. */
export const IceControlled = u64Attribute(AttrType.IceControlled, 'Tie-Breaker');
/** RFC 8445 §16.1: 64-bit tie-breaker of the agent that thinks it is controlling. */
export const IceControlling = u64Attribute(AttrType.IceControlling, 'Tie-Breaker');

export interface GoogNetworkInfoValue {
  readonly networkId: number;
  readonly networkCost: number;
}

/** Chromium/libwebrtc, in its ICE checks: network id (high 16 bits) then network cost (low 16 bits). */
export const GoogNetworkInfo = defineAttribute<GoogNetworkInfoValue>(AttrType.GoogNetworkInfo, {
  decode: (r) => {
    if (!expectLength(r, 4, 'GOOG-NETWORK-INFO')) {
      r.rest('Value');
      return undefined;
    }
    const networkId = r.u16('Network ID');
    const networkCost = r.u16('Network Cost');
    expectEnd(r, 'GOOG-NETWORK-INFO');
    return { networkId, networkCost };
  },
  encode: (w, v) => {
    w.u16(checkUint(v.networkId, 16, 'GOOG-NETWORK-INFO network id'));
    w.u16(checkUint(v.networkCost, 16, 'GOOG-NETWORK-INFO network cost'));
  },
  show: (v) => `network ${v.networkId}, cost ${v.networkCost}`,
});

export interface ChangeRequestValue {
  readonly changeIp: boolean;
  readonly changePort: boolean;
}

/** RFC 5780 §7.2: 32 bits, A (change IP) = 0x4, B (change port) = 0x2. */
export const ChangeRequest = defineAttribute<ChangeRequestValue>(AttrType.ChangeRequest, {
  decode: (r) => {
    if (!expectLength(r, 4, 'CHANGE-REQUEST')) {
      r.rest('Value');
      return undefined;
    }
    const at = r.pos;
    const v = r.u32();
    r.fieldBits('A (change IP)', at, 4, 29, 1, v & 4 ? '1' : '0');
    r.fieldBits('B (change port)', at, 4, 30, 1, v & 2 ? '1' : '0');
    expectEnd(r, 'CHANGE-REQUEST');
    return { changeIp: (v & 4) !== 0, changePort: (v & 2) !== 0 };
  },
  encode: (w, v) => {
    w.u32((v.changeIp ? 4 : 0) | (v.changePort ? 2 : 0));
  },
  show: (v) => [v.changeIp ? 'change IP' : '', v.changePort ? 'change port' : ''].filter(Boolean).join(', ') || 'none',
});

/** RFC 5780 §7.6: pads a Binding Request or its response to probe fragmentation. */
export const Padding = bytesAttribute(AttrType.Padding, 'Padding');

/** RFC 5780 §7.5: port (16 bits) then 16 bits of padding. */
export const ResponsePort = defineAttribute<number>(AttrType.ResponsePort, {
  decode: (r) => {
    if (!expectLength(r, 4, 'RESPONSE-PORT')) {
      r.rest('Value');
      return undefined;
    }
    const p = r.u16('Port');
    r.u16('Padding');
    expectEnd(r, 'RESPONSE-PORT');
    return p;
  },
  encode: (w, v) => {
    w.u16(checkUint(v, 16, 'RESPONSE-PORT'));
    w.u16(0);
  },
  show: String,
});

/** RFC 5780 §7.8: seconds the server believes its NAT bindings last. */
export const CacheTimeout = u32Attribute(AttrType.CacheTimeout, 'Cache Timeout', (v) => `${v} s`);
