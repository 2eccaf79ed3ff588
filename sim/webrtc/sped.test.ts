// SPED's controller alone (sans-IO): each state transition, the round robin of the pending flight, the CRC-32
// acknowledgement list (at most 4, oldest dropped) and the reading of the two attributes from a Binding message.
import { describe, expect, it } from 'vitest';
import { AttrType, crc32, DtlsInStunAck, DtlsInStunData, encodeStun, getAttribute, Method, rawAttribute, shortTermKey, type StunAttribute } from '../wire/stun/index.ts';
import { readSped, SpedController, spedCrc, type SpedNote } from './sped.ts';

/** A DTLS-looking packet: a handshake record's first byte (22), then `n` filler bytes. */
const packet = (n: number, fill = n): Uint8Array => Uint8Array.from([22, 0xfe, 0xfd, ...new Array<number>(n).fill(fill)]);

function controller(): { c: SpedController; notes: SpedNote[] } {
  const notes: SpedNote[] = [];
  return { c: new SpedController((n) => notes.push(n)), notes };
}

/** What the attributes say: the DATA value (undefined when absent) and the ACK list. */
function carried(attrs: StunAttribute[]): { data: Uint8Array | undefined; acks: readonly number[] | undefined } {
  const m = { attributes: attrs };
  return { data: getAttribute(m, DtlsInStunData), acks: getAttribute(m, DtlsInStunAck) };
}

describe('SPED controller: states', () => {
  it('TENTATIVE embeds the pending flight and an empty ACK list; with nothing to embed only the ACK announces SPED', () => {
    const { c } = controller();
    expect(c.state).toBe('tentative');
    expect(carried(c.attributes())).toEqual({ data: undefined, acks: [] });
    const p = packet(10);
    c.capture(p);
    c.flush();
    expect(carried(c.attributes())).toEqual({ data: p, acks: [] });
  });

  it('TENTATIVE → OFF when an authenticated message carries neither attribute; OFF embeds and takes nothing', () => {
    const { c, notes } = controller();
    c.capture(packet(10));
    c.flush();
    expect(c.receive({})).toBeUndefined();
    expect(c.state).toBe('off');
    expect(notes.at(-1)!.text).toContain('TENTATIVE → OFF');
    expect(c.attributes()).toEqual([]);
    expect(c.receive({ data: packet(5), acks: [] })).toBeUndefined();
    expect(c.state).toBe('off');
    // the flight it wrote stays: the owner sends it on the wire once there is a path
    expect(c.unacknowledged()).toHaveLength(1);
  });

  it('TENTATIVE → CONFIRMED on an ACK alone; CONFIRMED with nothing pending carries an empty DATA', () => {
    const { c } = controller();
    expect(c.receive({ acks: [] })).toBeUndefined();
    expect(c.state).toBe('confirmed');
    expect(carried(c.attributes())).toEqual({ data: new Uint8Array(0), acks: [] });
  });

  it('TENTATIVE → CONFIRMED on a DATA: the packet is handed over and its CRC-32 acknowledged', () => {
    const { c } = controller();
    const p = packet(20);
    expect(c.receive({ data: p })).toBe(p);
    expect(c.state).toBe('confirmed');
    expect(c.acknowledgements()).toEqual([crc32(p)]);
    expect(carried(c.attributes()).acks).toEqual([crc32(p)]);
  });

  it('CONFIRMED → PENDING when DTLS connects: a DTLS 1.2 client drops its last flight, a server keeps it', () => {
    const client = controller().c;
    const server = controller().c;
    for (const c of [client, server]) {
      c.receive({ acks: [] });
      c.capture(packet(30));
      c.flush();
    }
    client.dtlsConnected('client', '1.2');
    server.dtlsConnected('server', '1.2');
    expect([client.state, server.state]).toEqual(['pending', 'pending']);
    expect(client.unacknowledged()).toHaveLength(0);
    expect(server.unacknowledged()).toHaveLength(1);
    // PENDING carries no empty DATA: only the ACK list
    expect(carried(client.attributes())).toEqual({ data: undefined, acks: [] });
    // a DTLS 1.3 client's last flight (its Finished) waits for an acknowledgement
    const c13 = controller().c;
    c13.receive({ acks: [] });
    c13.capture(packet(30));
    c13.flush();
    c13.dtlsConnected('client', '1.3');
    expect(c13.unacknowledged()).toHaveLength(1);
  });

  it('PENDING → COMPLETE once the peer embeds nothing more, or once nothing of ours is left; COMPLETE carries nothing', () => {
    const { c } = controller();
    const p = packet(30);
    c.receive({ acks: [] });
    c.capture(p);
    c.flush();
    c.dtlsConnected('server', '1.2');
    // the peer still embeds and has not acknowledged ours: PENDING stays
    c.receive({ data: packet(7), acks: [] });
    expect(c.state).toBe('pending');
    // its acknowledgement of our packet empties the pending list: COMPLETE
    c.receive({ data: packet(7), acks: [spedCrc(p)] });
    expect(c.state).toBe('complete');
    expect(c.attributes()).toEqual([]);
    expect(c.acknowledgements()).toEqual([]);
    const d = controller().c;
    d.receive({ acks: [] });
    d.capture(packet(30));
    d.flush();
    d.dtlsConnected('server', '1.2');
    d.receive({ acks: [] }); // an ACK and no DATA
    expect(d.state).toBe('complete');
  });

  it('DTLS failing turns it OFF from any running state', () => {
    for (const step of ['tentative', 'confirmed', 'pending'] as const) {
      const { c } = controller();
      if (step !== 'tentative') c.receive({ acks: [] });
      if (step === 'pending') c.dtlsConnected('server', '1.2');
      expect(c.state).toBe(step);
      c.dtlsFailed();
      expect(c.state).toBe('off');
    }
  });
});

describe('SPED controller: the pending flight and the acknowledgements', () => {
  it('embeds the flight round robin, one packet per message; a new flight replaces the old one', () => {
    const { c } = controller();
    const [a, b] = [packet(1), packet(2)];
    c.capture(a);
    c.capture(b);
    c.flush();
    expect([0, 1, 2].map(() => carried(c.attributes()).data)).toEqual([a, b, a]);
    const n = packet(3);
    c.capture(n);
    c.flush();
    expect(c.unacknowledged()).toEqual([n]);
  });

  it('an ACK prunes exactly the packets whose CRC-32 it lists; unknown CRCs change nothing', () => {
    const { c, notes } = controller();
    const [a, b] = [packet(1), packet(2)];
    c.capture(a);
    c.capture(b);
    c.flush();
    c.receive({ acks: [0xdeadbeef] });
    expect(c.unacknowledged()).toEqual([a, b]);
    c.receive({ acks: [spedCrc(b), 0x12345678] });
    expect(c.unacknowledged()).toEqual([a]);
    expect(notes.at(-1)!.text).toContain('acknowledges 1 embedded DTLS packet(s), 1 still pending');
  });

  it('acknowledges at most 4 packets, the oldest dropped first, each once', () => {
    const { c } = controller();
    const ps = [1, 2, 3, 4, 5].map((i) => packet(i));
    for (const p of ps) c.receive({ data: p });
    c.receive({ data: ps[4]! }); // a repeat is not listed twice
    expect(c.acknowledgements()).toEqual(ps.slice(1).map((p) => crc32(p)));
    expect(carried(c.attributes()).acks).toHaveLength(4);
  });

  it('an embedded packet that is not DTLS is dropped with a note; the ACK beside it still counts', () => {
    const { c, notes } = controller();
    const mine = packet(9);
    c.capture(mine);
    c.flush();
    expect(c.receive({ data: Uint8Array.from([0x00, 1, 2]), acks: [spedCrc(mine)] })).toBeUndefined();
    expect(notes.some((n) => n.event === 'ignored' && n.text.includes('first byte 0 is not DTLS'))).toBe(true);
    expect(c.state).toBe('confirmed');
    expect(c.unacknowledged()).toEqual([]);
    expect(c.acknowledgements()).toEqual([]);
  });

  it('garbled attributes (a problem reported by the reader) change nothing, with a note', () => {
    const { c, notes } = controller();
    c.capture(packet(9));
    c.flush();
    expect(c.receive({ data: packet(4), acks: [1], problems: ['DTLS-IN-STUN-ACK: 2 byte(s) left over'] })).toBeUndefined();
    expect(c.state).toBe('tentative');
    expect(c.unacknowledged()).toHaveLength(1);
    expect(c.acknowledgements()).toEqual([]);
    expect(notes.at(-1)).toMatchObject({ event: 'ignored' });
    expect(notes.at(-1)!.text).toContain('left over');
  });

  it('keeps only what DTLS writes during the handshake: nothing in PENDING, nothing that is not DTLS', () => {
    const { c } = controller();
    c.capture(Uint8Array.from([0x80, 0, 0])); // RTP
    c.flush();
    expect(c.unacknowledged()).toEqual([]);
    c.receive({ acks: [] });
    c.dtlsConnected('client', '1.2');
    c.capture(Uint8Array.from([23, 0xfe, 0xfd, 1])); // application data
    c.flush();
    expect(c.unacknowledged()).toEqual([]);
  });
});

describe('readSped: the attributes of a Binding message', () => {
  const key = shortTermKey('0123456789abcdefghijklmn');
  const message = (attributes: StunAttribute[]): Uint8Array => encodeStun({ method: Method.Binding, class: 'request', transactionId: new Uint8Array(12).fill(7), attributes }, { integrity: key, fingerprint: true });

  it('reads DATA and ACK; neither present reads as nothing', () => {
    const p = packet(12);
    expect(readSped(message([DtlsInStunData.of(p), DtlsInStunAck.of([1, 2])]))).toEqual({ data: p, acks: [1, 2] });
    expect(readSped(message([]))).toEqual({});
  });

  it('a truncated ACK (6 bytes) and a repeated DATA are problems', () => {
    const r = readSped(message([rawAttribute(AttrType.DtlsInStunAck, Uint8Array.from([0, 0, 0, 1, 0, 2]))]));
    expect(r.problems).toEqual([expect.stringContaining('2 byte(s) left over')]);
    const twice = readSped(message([DtlsInStunData.of(packet(1)), DtlsInStunData.of(packet(2))]));
    expect(twice.problems).toEqual(['DTLS-IN-STUN-DATA appears 2 times']);
  });

  it('more than 4 acknowledgements are all read (the draft only recommends the cap)', () => {
    expect(readSped(message([DtlsInStunAck.of([1, 2, 3, 4, 5, 6])]))).toEqual({ acks: [1, 2, 3, 4, 5, 6] });
  });

  it('what follows MESSAGE-INTEGRITY is not read (RFC 8489 §14.5)', () => {
    const signed = encodeStun({ method: Method.Binding, class: 'request', transactionId: new Uint8Array(12).fill(7), attributes: [] }, { integrity: key });
    const tail = encodeStun({ method: Method.Binding, class: 'request', transactionId: new Uint8Array(12).fill(7), attributes: [DtlsInStunData.of(packet(3))] }).subarray(20);
    const bytes = new Uint8Array(signed.length + tail.length);
    bytes.set(signed);
    bytes.set(tail, signed.length);
    new DataView(bytes.buffer).setUint16(2, bytes.length - 20);
    expect(readSped(bytes)).toEqual({});
  });

  it('bytes that are not a STUN message are one problem, not a throw', () => {
    expect(readSped(Uint8Array.from([0, 1, 0, 4])).problems).toHaveLength(1);
  });
});
