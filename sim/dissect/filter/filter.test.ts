import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildUdpDatagram } from '../../../test/support/filter-packets.ts';
import { dissectPacket } from '../dissect.ts';
import { compileFilter, fieldText, FilterError, formatFilterError, tryCompileFilter } from './filter.ts';
import type { FrameInfo } from './field-def.ts';
import { FIELDS } from './fields.ts';
import { parseFilter } from './parser.ts';

const frame = (bytes: Uint8Array, n = 1): FrameInfo => ({ number: n, timeRelative: n - 1, timeDelta: n === 1 ? 0 : 1, bytes, udpStream: 0 });

// a STUN Binding Request with USERNAME "alice:bob" from 10.1.2.3:50000 to 192.0.2.7:3478
const stun = buildUdpDatagram();
const p = dissectPacket(stun);
const test = (f: string): boolean => compileFilter(f).test(p, frame(stun));

describe('display filter syntax', () => {
  it('binds ! tighter than &&, && tighter than ||, and parentheses group', () => {
    expect(parseFilter('a || b && c')).toMatchObject({ kind: 'or', right: { kind: 'and' } });
    expect(parseFilter('!a && b')).toMatchObject({ kind: 'and', left: { kind: 'not' } });
    expect(parseFilter('(a || b) && c')).toMatchObject({ kind: 'and', left: { kind: 'or' } });
    const shape = (f: string): string => JSON.stringify(parseFilter(f), (k, v: unknown) => (k === 'pos' || k === 'len' || k === 'opToken' ? undefined : v));
    expect(shape('not a and b or c')).toBe(shape('!a && b || c'));
    expect(shape('a eq 1 or b ne 2 and c ~ "x"')).toBe(shape('a == 1 || b != 2 && c matches "x"'));
  });

  it('points at the faulty token: a column and a caret under it', () => {
    const r = tryCompileFilter('udp.port == 3478 && ip.src == 1.2.3');
    expect('error' in r && r.error.pos).toBe(30);
    expect('error' in r && r.explained).toBe('udp.port == 3478 && ip.src == 1.2.3\n                              ^~~~~\n"1.2.3" is not an IPv4 address (a.b.c.d, or a.b.c.d/len), which ip.src needs');
  });

  it.each([
    ['', 0, 'the filter is empty'],
    ['stun.typ == 1', 0, '"stun.typ" is neither a field nor a protocol (did you mean stun.type'],
    ['udp.port = 1', 9, '"=" is not an operator'],
    ['udp.port == ', 12, 'a value was expected here'],
    ['(udp', 4, '")" was expected here'],
    ['udp.port == 1 tcp', 14, '"tcp" was unexpected here'],
    ['udp.port contains 1', 9, 'contains works on text and bytes'],
    ['stun.att.username matches "("', 26, 'not a regular expression'],
    ['stun.att.username matches abc', 26, 'matches needs a quoted regular expression'],
    ['ip.addr == 10.0.0.0/33', 11, 'is not a prefix length from 0 to 32'],
    ['udp.port == 0x', 12, 'is not an integer'],
    ['stun.id == 12:3', 11, 'is not a byte string'],
    ['"udp"', 0, 'not a string'],
    ['udp[0:2] == 00:01', 3, 'field slices'],
    ['udp.port in {1 2', 12, 'no closing "}"'],
    ['stun.att.username == "abc', 21, 'no closing quote'],
  ])('rejects %j at column %i: %s', (f, pos, msg) => {
    const r = tryCompileFilter(f);
    expect('error' in r).toBe(true);
    if (!('error' in r)) return;
    expect(r.error).toBeInstanceOf(FilterError);
    expect(r.error.pos).toBe(pos);
    expect(r.error.message).toContain(msg);
    expect(formatFilterError(f, r.error).split('\n')[1]).toBe(`${' '.repeat(pos)}^${'~'.repeat(Math.max(0, Math.min(r.error.len, f.length - pos) - 1))}`);
  });
});

describe('display filter semantics (tshark 4.0)', () => {
  it('reads protocols and fields by tshark name', () => {
    expect(test('stun && udp && ip && !tcp && !dtls')).toBe(true);
    expect(test('stun.type == 0x0001 && stun.type.class == 0 && stun.type.method == 1')).toBe(true);
    expect(test('stun.att.username == "alice:bob" && stun.att.username == alice:bob')).toBe(true);
  });

  it('holds a comparison when any value satisfies it, != when none is equal, and none on an absent field', () => {
    expect(test('udp.port == 50000') && test('udp.port == 3478')).toBe(true);
    expect(test('udp.port != 3478')).toBe(false);
    expect(test('udp.port != 53')).toBe(true);
    expect(test('tcp.port != 53')).toBe(false);
    expect(test('!(tcp.port == 53)')).toBe(true);
    expect(test('udp.srcport > 49999 && udp.srcport >= 50000 && udp.dstport < 3479 && udp.dstport <= 3478')).toBe(true);
  });

  it('reads integers in decimal, hex, octal and binary, and sets with ranges', () => {
    expect(test('udp.dstport == 0xd96 && udp.dstport == 06626 && udp.dstport == 0b110110010110')).toBe(true);
    expect(test('udp.dstport in {1, 2, 3000..4000}') && !test('udp.dstport in {1 2 3}')).toBe(true);
  });

  it('matches addresses against CIDR prefixes, IPv4 and IPv6', () => {
    expect(test('ip.src == 10.0.0.0/8 && ip.dst == 192.0.2.0/24 && ip.addr == 192.0.2.7')).toBe(true);
    expect(test('ip.src == 10.0.0.0/16')).toBe(false);
    expect(test('ip.src == 11.0.0.0/7') && test('ip.src == 0.0.0.0/0')).toBe(true);
  });

  it('contains is case-sensitive on text and looks for bytes; matches is a case-insensitive regex unless (?-i)', () => {
    expect(test('stun.att.username contains ":b"') && !test('stun.att.username contains "BOB"')).toBe(true);
    expect(test('udp contains 21:12:a4:42') && test('frame contains "alice"') && !test('udp contains 21:12:a4:43')).toBe(true);
    expect(test('stun.att.username matches "^ALICE:"') && !test('stun.att.username matches "(?-i)^ALICE:"')).toBe(true);
    expect(test('stun.id == 000102030405060708090a0b') && test('stun.id == 00:01:02:03:04:05:06:07:08:09:0a:0b')).toBe(true);
  });

  it('compares a field with a field, and reads frame fields', () => {
    expect(test('udp.srcport > udp.dstport') && !test('udp.srcport == udp.dstport')).toBe(true);
    expect(test('frame.number == 1 && frame.time_relative == 0 && frame.len == ' + String(stun.length))).toBe(true);
  });

  it('writes column text from the same field names', () => {
    expect(fieldText('udp.port', p, frame(stun))).toBe('50000,3478');
    expect(fieldText('ip.src', p, frame(stun))).toBe('10.1.2.3');
    expect(fieldText('stun.id', p, frame(stun))).toBe('00:01:02:03:04:05:06:07:08:09:0a:0b');
    expect(fieldText('stun.att.username', p, frame(stun))).toBe('alice:bob');
  });

  it('names every field proto.field, with a protocol field for each prefix', () => {
    for (const name of FIELDS.keys()) {
      // tshark's own names: lower case, but SIP's after its header names (sip.Method, sip.Status-Code, sip.CSeq.seq)
      expect(name).toMatch(name.startsWith('sip.') ? /^sip(\.[A-Za-z0-9_-]+)+$/ : /^[a-z0-9]+(\.[a-z0-9_-]+)*$/);
      expect(FIELDS.has(name.split('.')[0]!), name).toBe(true);
    }
  });
});

describe('docs/display-filters.md', () => {
  it('lists every field with its type, and no field that does not exist', () => {
    const doc = readFileSync(new URL('../../../docs/display-filters.md', import.meta.url), 'utf8');
    const rows = [...doc.matchAll(/^\| `([A-Za-z0-9_.-]+)` \| ([a-z0-9]+) \|/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(rows).toEqual([...FIELDS.values()].map((f) => `${f.name} ${f.type}`));
  });
});
