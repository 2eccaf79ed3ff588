import type { DissectedPacket } from '../types.ts';
import type { FieldDef, FieldValue, FrameInfo } from './field-def.ts';
import { APP_FIELDS } from './fields-app.ts';
import { NET_FIELDS } from './fields-net.ts';
import { WEBRTC_FIELDS } from './fields-webrtc.ts';

export type { FieldDef, FieldType, FieldValue, FrameInfo } from './field-def.ts';

/**
 * Every display filter field, by name: the one list the filter, the packet list's columns and the docs read.
 * A name defined twice (rtcp.pt reads RTCP and SRTCP layers) is one field reading both.
 */
const byName = new Map<string, FieldDef>();
for (const f of [...NET_FIELDS, ...WEBRTC_FIELDS, ...APP_FIELDS]) {
  const had = byName.get(f.name);
  if (!had) byName.set(f.name, f);
  else {
    if (had.type !== f.type) throw new Error(`filter field ${f.name} is defined twice with different types`);
    byName.set(f.name, {
      ...had,
      protocols: [...had.protocols, ...f.protocols],
      read: (l, frame, out) => (l && f.protocols.includes(l.protocol) ? f.read(l, frame, out) : had.read(l, frame, out)),
    });
  }
}

export const FIELDS: ReadonlyMap<string, FieldDef> = byName;

export function fieldDef(name: string): FieldDef | undefined {
  return byName.get(name);
}

/** Field names close to a misspelt one (same protocol prefix, or the same last part), for an error's hint. */
export function similarFields(name: string, max = 3): string[] {
  const proto = name.split('.')[0]!;
  const last = name.split('.').pop()!;
  const out = [...byName.keys()].filter((n) => n !== name && (n.startsWith(`${proto}.`) && n.includes(last.slice(0, 3)) || n.endsWith(`.${last}`)));
  return out.slice(0, max);
}

/** Every value of a field in a packet, in layer order (quoted layers of an ICMP error included, as tshark does). */
export function fieldValues(def: FieldDef, p: DissectedPacket, frame: FrameInfo): FieldValue[] {
  const out: FieldValue[] = [];
  if (def.protocols.length === 0) {
    def.read(undefined, frame, out);
    return out;
  }
  for (const l of p.layers) if (def.protocols.includes(l.protocol)) def.read(l, frame, out);
  return out;
}

/** The field list as `rtclab dissect --fields` prints it: name, type, what it is. */
export function listFields(): string {
  const rows = [...byName.values()].map((f) => `${f.name.padEnd(40)} ${f.type.padEnd(8)} ${f.description}`);
  return `${rows.join('\n')}\n`;
}
