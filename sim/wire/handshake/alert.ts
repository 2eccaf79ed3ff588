import type { Decoded } from '../field.ts';
import { Reader } from '../reader.ts';
import { AlertLevel, alertDescriptionName, alertLevelName, withCode } from './names.ts';

/** Alert (RFC 5246 §7.2) and ChangeCipherSpec (RFC 5246 §7.1) record bodies. */

export interface Alert {
  readonly level: number;
  readonly description: number;
}

export function decodeAlert(bytes: Uint8Array, base = 0, spans = true): Decoded<Alert> {
  const r = new Reader(bytes, base, 0, bytes.length, spans);
  const level = r.u8('level', (v) => withCode(alertLevelName(v), v, 2));
  const description = r.u8('description', (v) => withCode(alertDescriptionName(v), v, 2));
  if (!r.truncated && level !== AlertLevel.warning && level !== AlertLevel.fatal) r.problem(`unknown alert level ${level}`, 0, 1);
  if (r.remaining > 0) {
    r.problem(`${r.remaining} trailing byte(s) after the alert`, r.pos, r.remaining);
    r.rest('trailing bytes');
  }
  return { value: { level, description }, fields: r.fields, problems: r.problems };
}

export function encodeAlert(a: Alert): Uint8Array {
  return new Uint8Array([a.level, a.description]);
}

/** "fatal handshake_failure", "warning close_notify". */
export function describeAlert(a: Alert): string {
  return `${alertLevelName(a.level)} ${alertDescriptionName(a.description)}`;
}

/** RFC 5246 §7.1: one byte, value 1. */
export function decodeChangeCipherSpec(bytes: Uint8Array, base = 0, spans = true): Decoded<{ readonly value: number }> {
  const r = new Reader(bytes, base, 0, bytes.length, spans);
  const v = r.u8('type', (x) => (x === 1 ? 'change_cipher_spec (1)' : String(x)));
  if (!r.truncated && v !== 1) r.problem(`ChangeCipherSpec value ${v}, expected 1`, 0, 1);
  if (r.remaining > 0) {
    r.problem(`${r.remaining} trailing byte(s) after ChangeCipherSpec`, r.pos, r.remaining);
    r.rest('trailing bytes');
  }
  return { value: { value: v }, fields: r.fields, problems: r.problems };
}

export const CHANGE_CIPHER_SPEC = new Uint8Array([1]);
