// The hop facts the rules read: the STUN transaction a datagram carried, bare, inside ChannelData or inside a Send
// indication's DATA, with an error response's code; and drop reasons read back into where and why.
import { describe, expect, it } from 'vitest';
import { encodeUdpDatagram } from '../wire/ip/udp-datagram.ts';
import { encodeChannelData } from '../wire/stun/channel-data.ts';
import { encodeStun } from '../wire/stun/encode.ts';
import { ErrorCode, Data, XorPeerAddress } from '../wire/stun/index.ts';
import { Method } from '../wire/stun/constants.ts';
import { classifyDrop } from './drops.ts';
import { stunOfDatagram } from './trace-index.ts';
import type { Hop } from '../core/trace.ts';

const tid = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
const udp = (payload: Uint8Array): Uint8Array => encodeUdpDatagram({ src: '10.0.0.1', dst: '10.0.0.2', srcPort: 5000, dstPort: 3478, payload });

describe('stunOfDatagram', () => {
  it('reads a bare Binding request', () => {
    const m = encodeStun({ method: Method.Binding, class: 'request', transactionId: tid, attributes: [] });
    expect(stunOfDatagram(udp(m))).toEqual({ tid: '0102030405060708090a0b0c', method: Method.Binding, cls: 'request' });
  });
  it('reads an Allocate error response with its code', () => {
    const m = encodeStun({ method: Method.Allocate, class: 'error', transactionId: tid, attributes: [ErrorCode.of({ code: 401, reason: 'Unauthorized' })] });
    expect(stunOfDatagram(udp(m))).toMatchObject({ method: Method.Allocate, cls: 'error', code: 401 });
  });
  it('finds a check inside ChannelData and inside a Send indication', () => {
    const check = encodeStun({ method: Method.Binding, class: 'request', transactionId: tid, attributes: [] });
    expect(stunOfDatagram(udp(encodeChannelData({ channel: 0x4000, data: check })))?.tid).toBe('0102030405060708090a0b0c');
    const send = encodeStun({ method: Method.Send, class: 'indication', transactionId: new Uint8Array(12), attributes: [XorPeerAddress.of({ ip: "203.0.113.1", port: 9 }), Data.of(check)] });
    expect(stunOfDatagram(udp(send))?.tid).toBe('0102030405060708090a0b0c');
  });
  it('passes over what is not STUN', () => {
    expect(stunOfDatagram(udp(new Uint8Array([0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9])))).toBeUndefined();
    expect(stunOfDatagram(new Uint8Array([0x45]))).toBeUndefined();
  });
});

describe('classifyDrop', () => {
  const hop = (drop: string): Hop => ({ index: 3, t: 0, arrive: 0, link: 'natA-wan', from: 'natA', to: 'internet', bytes: new Uint8Array(), packet: 1, drop });
  it('names the node and the behaviour of a NAT or firewall drop', () => {
    expect(classifyDrop(hop('natB: NAT filtering: address-and-port-dependent filtering: no outbound packet'))).toMatchObject({ kind: 'nat-filtering', where: 'natB' });
    expect(classifyDrop(hop('fwA: firewall: firewall rule "drop-udp"'))).toMatchObject({ kind: 'firewall', where: 'fwA' });
    expect(classifyDrop(hop('internet: no route to 10.0.1.10'))).toMatchObject({ kind: 'no-route', where: 'internet' });
  });
  it('names the link of a link drop', () => {
    expect(classifyDrop(hop('loss'))).toMatchObject({ kind: 'loss', where: 'natA-wan' });
    expect(classifyDrop(hop('link down'))).toMatchObject({ kind: 'link-down', where: 'natA-wan' });
  });
});
