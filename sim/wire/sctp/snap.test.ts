import { describe, expect, it } from 'vitest';
import { toBase64 } from '../../core/encoding.ts';
import { decodeSctpInitAttribute } from './snap.ts';

// draft-hancke-tsvwg-snap-00 §4.1 and §7: the offer's and the answer's a=sctp-init values and the INIT chunks
// the draft draws for them (30-byte chunks, written without the 2 bytes of chunk padding).
const OFFER = 'AQAAHols3R0AUAAA/////+B5ZR3AAAAEgAgABoLA';
const ANSWER = 'AQAAHl+zdHQAUAAA/////6Gq3HTAAAAEgAgABoLA';

describe('a=sctp-init reads as the SCTP INIT chunk it carries (draft-hancke-tsvwg-snap §4)', () => {
  it("the draft's offer: tag 0x896cdd1d, a_rwnd 0x00500000, 65535 streams each way, TSN 0xe079651d, FORWARD-TSN, RE-CONFIG", () => {
    const a = decodeSctpInitAttribute(OFFER);
    expect(a.problems).toEqual([]);
    expect(a.bytes?.length).toBe(30);
    expect(a.init).toMatchObject({ kind: 'INIT', initiateTag: 0x896cdd1d, arwnd: 0x00500000, outboundStreams: 65535, inboundStreams: 65535, initialTsn: 0xe079651d });
    expect(a.init?.params).toEqual([{ kind: 'forward-tsn-supported' }, { kind: 'supported-extensions', chunkTypes: [0x82, 0xc0] }]);
    expect(a.text).toBe('INIT (tag 0x896cdd1d, a_rwnd 5242880, streams 65535/65535, TSN 3766052125, FORWARD-TSN, ext RE-CONFIG/FORWARD-TSN)');
    const names = a.fields.flatMap((f) => [f.name, ...(f.children ?? []).map((c) => c.name)]);
    expect(names).toEqual(expect.arrayContaining(['INIT chunk', 'initiate tag', 'advertised receiver window credit', 'initial TSN']));
  });

  it("the draft's answer: tag 0x5fb37474, TSN 0xa1aadc74", () => {
    const a = decodeSctpInitAttribute(ANSWER);
    expect(a.problems).toEqual([]);
    expect(a.init).toMatchObject({ initiateTag: 0x5fb37474, initialTsn: 0xa1aadc74 });
  });

  it('a chunk with its 2 bytes of padding (base64 "=" padding too) reads the same', () => {
    const padded = new Uint8Array([...decodeSctpInitAttribute(OFFER).bytes!, 0, 0]);
    const a = decodeSctpInitAttribute(toBase64(padded));
    expect(toBase64(padded)).toMatch(/=$/);
    expect(a.problems).toEqual([]);
    expect(a.init?.initiateTag).toBe(0x896cdd1d);
  });
});

describe('a garbled a=sctp-init is a note, never a throw (§5.2: the peer ignores the line)', () => {
  it('not base64', () => {
    const a = decodeSctpInitAttribute('AQAA*ols');
    expect(a.init).toBeUndefined();
    expect(a.text).toMatch(/not base64.*ignores the line/);
  });

  it('a chunk that is not an INIT (a COOKIE-ACK)', () => {
    const a = decodeSctpInitAttribute(toBase64(new Uint8Array([11, 0, 0, 4])));
    expect(a.init).toBeUndefined();
    expect(a.text).toMatch(/COOKIE-ACK chunk \(type 11\), not an INIT/);
  });

  it('a length that runs past the bytes, a length under 20, too few bytes', () => {
    const bytes = decodeSctpInitAttribute(OFFER).bytes!;
    const long = bytes.slice();
    long[3] = 40;
    expect(decodeSctpInitAttribute(toBase64(long)).text).toMatch(/length 40 runs past the 30 bytes/);
    const short = bytes.slice();
    short[3] = 16;
    expect(decodeSctpInitAttribute(toBase64(short)).text).toMatch(/length 16 is under 20/);
    expect(decodeSctpInitAttribute('AQA=').text).toMatch(/2 byte\(s\), too few/);
  });

  it('junk after the chunk, zero streams and a zero tag are read and noted', () => {
    const bytes = decodeSctpInitAttribute(OFFER).bytes!;
    const junk = decodeSctpInitAttribute(toBase64(new Uint8Array([...bytes, 0, 0, 0xff, 1, 2])));
    expect(junk.init).toBeDefined();
    expect(junk.problems.map((p) => p.message)).toEqual(['5 byte(s) after the INIT chunk that are not its padding']);
    const zero = bytes.slice();
    zero.fill(0, 4, 8);
    zero.fill(0, 12, 14);
    const z = decodeSctpInitAttribute(toBase64(zero));
    expect(z.init?.initiateTag).toBe(0);
    expect(z.problems.map((p) => p.message).join('\n')).toMatch(/initiate tag 0[\s\S]*zero streams/);
  });
});
