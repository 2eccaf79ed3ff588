import { describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8Decode, utf8Encode } from '../../core/encoding.ts';
import { findField } from '../field.ts';
import { decodeWebSocketFrame, describeFrame, encodeWebSocketFrame, Opcode } from './frame.ts';
import { websocketAccept } from './handshake.ts';

// WebSocket framing (RFC 6455 §5): the examples of §5.7 byte for byte, masking, lengths, control frames, Close.

describe('WebSocket frames (RFC 6455 §5)', () => {
  it('decodes the §5.7 examples: unmasked and masked "Hello", a fragmented "Hel"+"lo", a ping', () => {
    const plain = decodeWebSocketFrame(fromHex('810548656c6c6f'));
    expect(plain.value).toMatchObject({ fin: true, opcode: Opcode.text, masked: false, payloadLength: 5 });
    expect(utf8Decode(plain.value!.payload)).toBe('Hello');
    const masked = decodeWebSocketFrame(fromHex('818537fa213d7f9f4d5158'));
    expect(toHex(masked.value!.maskingKey!)).toBe('37fa213d');
    expect(utf8Decode(masked.value!.payload)).toBe('Hello');
    expect(findField(masked.fields, 'payload (unmasked)')).toMatchObject({ offset: 6, length: 5 });
    expect(decodeWebSocketFrame(fromHex('010348656c')).value).toMatchObject({ fin: false, opcode: Opcode.text });
    expect(decodeWebSocketFrame(fromHex('80026c6f')).value).toMatchObject({ fin: true, opcode: Opcode.continuation });
    expect(decodeWebSocketFrame(fromHex('890548656c6c6f')).value!.opcode).toBe(Opcode.ping);
  });

  it('reads 16-bit and 64-bit payload lengths (256 bytes and 64 KiB examples of §5.7)', () => {
    const f256 = encodeWebSocketFrame({ opcode: Opcode.binary, payload: new Uint8Array(256) });
    expect(toHex(f256.subarray(0, 4))).toBe('827e0100');
    expect(decodeWebSocketFrame(f256).value!.payloadLength).toBe(256);
    const f64k = encodeWebSocketFrame({ opcode: Opcode.binary, payload: new Uint8Array(65536) });
    expect(toHex(f64k.subarray(0, 10))).toBe('827f0000000000010000');
    expect(decodeWebSocketFrame(f64k).value!.payloadLength).toBe(65536);
  });

  it('round-trips a masked frame and says how many bytes an incomplete one needs', () => {
    const f = encodeWebSocketFrame({ opcode: Opcode.text, payload: utf8Encode('{"janus":"ack"}'), maskingKey: fromHex('01020304') });
    expect(decodeWebSocketFrame(f).value!.payload).toEqual(utf8Encode('{"janus":"ack"}'));
    const part = decodeWebSocketFrame(f.subarray(0, 8));
    expect(part).toMatchObject({ status: 'incomplete', length: f.length });
  });

  it('reads Close codes and reasons, and flags codes that must not be sent (§7.4)', () => {
    const close = decodeWebSocketFrame(encodeWebSocketFrame({ opcode: Opcode.close, payload: new Uint8Array([0x03, 0xe8, ...utf8Encode('bye')]) }));
    expect(close.value).toMatchObject({ closeCode: 1000, closeReason: 'bye' });
    expect(describeFrame(close.value!)).toBe('Close 1000 normal closure "bye" (FIN)');
    const bad = decodeWebSocketFrame(encodeWebSocketFrame({ opcode: Opcode.close, payload: new Uint8Array([0x03, 0xee]) }));
    expect(bad.problems[0]!.message).toMatch(/close code 1006 must not be sent/);
  });

  it('reports fragmented or oversized control frames, reserved opcodes and non-minimal lengths', () => {
    const messages = (hex: string): string[] => decodeWebSocketFrame(fromHex(hex)).problems.map((p) => p.message);
    expect(messages('0900')).toContain('a control frame must not be fragmented (RFC 6455 §5.5)');
    expect(messages('8300')[0]).toMatch(/opcode 0x3 is reserved/);
    expect(messages('817e0005' + '00'.repeat(5))[0]).toMatch(/minimal encoding/);
    const big = encodeWebSocketFrame({ opcode: Opcode.ping, payload: new Uint8Array(200) });
    expect(decodeWebSocketFrame(big).problems[0]!.message).toMatch(/exceeds 125/);
  });

  it('does not allocate a payload a hostile length claims beyond the limit', () => {
    const d = decodeWebSocketFrame(fromHex('827f000000ffffffffff'), 0, 1 << 20);
    expect(d.value).toBeUndefined();
    expect(d.problems.map((p) => p.message).join()).toMatch(/exceeds the dissector's limit/);
  });

  it('computes Sec-WebSocket-Accept as in RFC 6455 §1.3', () => {
    expect(websocketAccept('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });
});
