import type { Reader } from '../reader.ts';
import type { Writer } from '../writer.ts';

/** TCP options (RFC 9293 §3.2; window scale and timestamps RFC 7323; SACK RFC 2018). */
export type TcpOption =
  | { readonly kind: 'eol' }
  | { readonly kind: 'nop' }
  | { readonly kind: 'mss'; readonly mss: number }
  | { readonly kind: 'window-scale'; readonly shift: number }
  | { readonly kind: 'sack-permitted' }
  | { readonly kind: 'sack'; readonly blocks: readonly { readonly left: number; readonly right: number }[] }
  | { readonly kind: 'timestamps'; readonly tsval: number; readonly tsecr: number }
  | { readonly kind: 'unknown'; readonly type: number; readonly data: Uint8Array };

export const TCP_OPTION = { EOL: 0, NOP: 1, MSS: 2, WINDOW_SCALE: 3, SACK_PERMITTED: 4, SACK: 5, TIMESTAMPS: 8 } as const;

const NAMES: Readonly<Record<number, string>> = {
  0: 'End of Option List',
  1: 'No-Operation',
  2: 'Maximum Segment Size',
  3: 'Window Scale',
  4: 'SACK Permitted',
  5: 'SACK',
  8: 'Timestamps',
  28: 'User Timeout',
  29: 'TCP-AO',
  30: 'Multipath TCP',
  34: 'TCP Fast Open Cookie',
};

/** The length a known option must have; SACK is 2 + 8n with 1 ≤ n ≤ 4. */
const FIXED_LENGTH: Readonly<Record<number, number>> = { 2: 4, 3: 3, 4: 2, 8: 10 };

/**
 * Reads options from the reader's position to `end` (the end of the header). Malformed lengths become problems
 * and the rest of the option space is shown as one opaque field.
 */
export function decodeTcpOptions(r: Reader, end: number): TcpOption[] {
  const out: TcpOption[] = [];
  while (r.pos < end) {
    const at = r.pos;
    const type = r.peekU8()!;
    const name = NAMES[type] ?? `option ${type}`;
    if (type === TCP_OPTION.EOL) {
      r.u8('End of Option List', () => 'end');
      out.push({ kind: 'eol' });
      if (r.pos < end) r.bytes(end - r.pos, 'padding');
      break;
    }
    if (type === TCP_OPTION.NOP) {
      r.u8('No-Operation', () => 'NOP');
      out.push({ kind: 'nop' });
      continue;
    }
    const len = r.peekU8(1);
    const want = FIXED_LENGTH[type];
    const badSack = type === TCP_OPTION.SACK && len !== undefined && (len < 10 || (len - 2) % 8 !== 0);
    if (len === undefined || len < 2 || at + len > end || (want !== undefined && len !== want) || badSack) {
      r.problem(`TCP option ${name} has a bad length ${len ?? '(missing)'}${want ? `, expected ${want}` : ''}`, at, end - at);
      r.bytes(end - at, name, () => 'malformed');
      break;
    }
    const option = r.group(name, () => one(r, type, len), (o) => describeOption(o));
    out.push(option);
  }
  return out;
}

function one(r: Reader, type: number, len: number): TcpOption {
  r.u8('kind');
  r.u8('length');
  switch (type) {
    case TCP_OPTION.MSS:
      return { kind: 'mss', mss: r.u16('mss') };
    case TCP_OPTION.WINDOW_SCALE: {
      const shift = r.u8('shiftCount', (v) => `${v} (multiply by ${2 ** Math.min(v, 14)})`);
      if (shift > 14) r.problem(`window scale shift ${shift} is more than 14 (RFC 7323 §2.3)`, r.pos - 1, 1);
      return { kind: 'window-scale', shift };
    }
    case TCP_OPTION.SACK_PERMITTED:
      return { kind: 'sack-permitted' };
    case TCP_OPTION.SACK: {
      const blocks: { left: number; right: number }[] = [];
      for (let i = 0; i < (len - 2) / 8; i++) {
        const left = r.u32('leftEdge');
        const right = r.u32('rightEdge');
        blocks.push({ left, right });
      }
      return { kind: 'sack', blocks };
    }
    case TCP_OPTION.TIMESTAMPS:
      return { kind: 'timestamps', tsval: r.u32('tsval'), tsecr: r.u32('tsecr') };
    default:
      return { kind: 'unknown', type, data: r.bytes(len - 2, 'data') };
  }
}

export function describeOption(o: TcpOption): string {
  switch (o.kind) {
    case 'eol':
      return 'EOL';
    case 'nop':
      return 'NOP';
    case 'mss':
      return `MSS=${o.mss}`;
    case 'window-scale':
      return `WS=${2 ** o.shift}`;
    case 'sack-permitted':
      return 'SACK_PERM';
    case 'sack':
      return `SACK ${o.blocks.map((b) => `${b.left}-${b.right}`).join(' ')}`;
    case 'timestamps':
      return `TSval=${o.tsval} TSecr=${o.tsecr}`;
    case 'unknown':
      return `${NAMES[o.type] ?? `kind ${o.type}`} (${o.data.length + 2} bytes)`;
  }
}

/** Writes options as listed, then pads with End of Option List bytes to a multiple of 4 (RFC 9293 §3.1). */
export function encodeTcpOptions(w: Writer, options: readonly TcpOption[]): void {
  const start = w.pos;
  for (const o of options) {
    switch (o.kind) {
      case 'eol':
        w.u8(0);
        break;
      case 'nop':
        w.u8(1);
        break;
      case 'mss':
        w.u8(2).u8(4).u16(o.mss);
        break;
      case 'window-scale':
        w.u8(3).u8(3).u8(o.shift);
        break;
      case 'sack-permitted':
        w.u8(4).u8(2);
        break;
      case 'sack':
        w.u8(5).u8(2 + 8 * o.blocks.length);
        for (const b of o.blocks) w.u32(b.left).u32(b.right);
        break;
      case 'timestamps':
        w.u8(8).u8(10).u32(o.tsval).u32(o.tsecr);
        break;
      case 'unknown':
        w.u8(o.type).u8(o.data.length + 2).bytes(o.data);
        break;
    }
  }
  const used = w.pos - start;
  w.zeros((4 - (used % 4)) % 4);
}

