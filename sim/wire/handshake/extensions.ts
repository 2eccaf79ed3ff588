import { toHex, utf8Decode, utf8Encode } from '../../core/encoding.ts';
import { Reader } from '../reader.ts';
import { Writer } from '../writer.ts';
import {
  ExtensionType,
  ecPointFormatName,
  extensionTypeName,
  namedGroupName,
  signatureSchemeName,
  srtpProfileName,
  versionName,
  withCode,
} from './names.ts';

/**
 * Hello extensions (RFC 5246 §7.4.1.4) with decoded bodies for the ones WebRTC uses; anything else is kept raw.
 * An extension is `{ type, data }` on the wire; `body` is the decoded view of `data`.
 */

export interface KeyShareEntry {
  readonly group: number;
  readonly keyExchange: Uint8Array;
}

export type ExtensionBody =
  /** RFC 5764 §4.1.1 */
  | { readonly kind: 'use_srtp'; readonly profiles: readonly number[]; readonly mki: Uint8Array }
  /** RFC 7627 §5.1: empty */
  | { readonly kind: 'extended_master_secret' }
  /** RFC 8422 §5.1.1 / RFC 8446 §4.2.7 */
  | { readonly kind: 'supported_groups'; readonly groups: readonly number[] }
  /** RFC 8422 §5.1.2 */
  | { readonly kind: 'ec_point_formats'; readonly formats: readonly number[] }
  /** RFC 5246 §7.4.1.4.1 / RFC 8446 §4.2.3 */
  | { readonly kind: 'signature_algorithms'; readonly schemes: readonly number[] }
  /** RFC 5746 §3.2 */
  | { readonly kind: 'renegotiation_info'; readonly renegotiatedConnection: Uint8Array }
  /** RFC 5077 §3.2 */
  | { readonly kind: 'session_ticket'; readonly ticket: Uint8Array }
  /** RFC 8446 §4.2.1: a list in ClientHello, one selected version in ServerHello */
  | { readonly kind: 'supported_versions'; readonly versions: readonly number[]; readonly selected?: number }
  /** RFC 8446 §4.2.8: client shares in ClientHello, one server share in ServerHello */
  | { readonly kind: 'key_share'; readonly shares: readonly KeyShareEntry[]; readonly selectedGroup?: number }
  /** RFC 6066 §3: host names in ClientHello; empty in the server's answer */
  | { readonly kind: 'server_name'; readonly hostNames: readonly string[] }
  /** RFC 7301 §3.1: protocols offered (client) or the one selected (server) */
  | { readonly kind: 'application_layer_protocol_negotiation'; readonly protocols: readonly string[] }
  | { readonly kind: 'empty'; readonly name: string }
  | { readonly kind: 'raw' };

export interface Extension {
  readonly type: number;
  readonly data: Uint8Array;
  readonly body: ExtensionBody;
}

/** Which message carries the extensions: a few bodies have a client and a server form. */
export type HelloContext = 'client_hello' | 'server_hello';

const EMPTY_EXTENSIONS = new Set<number>([ExtensionType.encrypt_then_mac, ExtensionType.extended_master_secret]);

/**
 * Reads `extensions<0..2^16-1>` at the reader's position (the 2-byte length included); records spans for all.
 * Returns [] when no bytes remain (extensions are optional in TLS 1.2 hellos).
 */
export function readExtensions(r: Reader, context: HelloContext): Extension[] {
  const out: Extension[] = [];
  if (r.remaining === 0) return out;
  r.group(
    'extensions',
    () => {
      const total = r.u16('extensions length');
      const end = Math.min(r.pos + total, r.end);
      if (r.pos + total > r.end) r.problem(`extensions length ${total} runs past the message`, r.pos - 2, 2);
      while (r.pos < end && !r.truncated) {
        const ext = r.group(
          'extension',
          () => {
            const type = r.u16('type', (v) => withCode(extensionTypeName(v), v));
            const len = r.u16('length');
            const dataAt = r.pos;
            const data = r.bytes(Math.min(len, end - r.pos));
            if (data.length < len) r.problem(`extension ${extensionTypeName(type)} length ${len} runs past the extensions`, dataAt - 2, 2);
            const sub = new Reader(r.buf, r.base, dataAt, dataAt + data.length, r.spans);
            const body = readBody(sub, type, context);
            r.adopt(sub.fields, sub.problems);
            return { type, data, body };
          },
          (e) => `${extensionTypeName(e.type)}${summarize(e.body)}`,
        );
        out.push(ext);
      }
      if (r.pos < end) r.skip(end - r.pos);
    },
    () => `${out.length} extension(s)`,
  );
  return out;
}

function u16List(r: Reader, listName: string, itemName: string, show: (v: number) => string, lenBytes: 1 | 2 = 2): number[] {
  const items: number[] = [];
  r.group(
    listName,
    () => {
      const len = lenBytes === 1 ? r.u8(`${listName} length`) : r.u16(`${listName} length`);
      if (len % 2 !== 0) r.problem(`${listName} length ${len} is odd`, r.pos - lenBytes, lenBytes);
      const end = Math.min(r.pos + len, r.end);
      while (r.pos + 2 <= end && !r.truncated) items.push(r.u16(itemName, (v) => withCode(show(v), v)));
      if (r.pos < end) r.skip(end - r.pos);
    },
    () => `${items.length}`,
  );
  return items;
}

function vector(r: Reader, name: string, lenBytes: 1 | 2): Uint8Array {
  const len = lenBytes === 1 ? r.u8(`${name} length`) : r.u16(`${name} length`);
  return r.bytes(len, name, (b) => (b.length <= 32 ? toHex(b) || '(empty)' : `${b.length} bytes`));
}

function readBody(r: Reader, type: number, context: HelloContext): ExtensionBody {
  const body = readBodyInner(r, type, context);
  if (!r.truncated && r.remaining > 0 && body.kind !== 'raw') r.problem(`${r.remaining} unexpected trailing byte(s) in ${extensionTypeName(type)}`, r.pos, r.remaining);
  return body;
}

function readBodyInner(r: Reader, type: number, context: HelloContext): ExtensionBody {
  switch (type) {
    case ExtensionType.use_srtp: {
      const profiles = u16List(r, 'SRTP protection profiles', 'profile', srtpProfileName);
      const mki = vector(r, 'srtp_mki', 1);
      return { kind: 'use_srtp', profiles, mki };
    }
    case ExtensionType.supported_groups:
      return { kind: 'supported_groups', groups: u16List(r, 'named group list', 'group', namedGroupName) };
    case ExtensionType.signature_algorithms:
    case ExtensionType.signature_algorithms_cert:
      return { kind: 'signature_algorithms', schemes: u16List(r, 'supported signature algorithms', 'signature scheme', signatureSchemeName) };
    case ExtensionType.ec_point_formats: {
      const formats: number[] = [];
      const len = r.u8('ec point format list length');
      for (let i = 0; i < len && !r.truncated; i++) formats.push(r.u8('ec point format', ecPointFormatName));
      return { kind: 'ec_point_formats', formats };
    }
    case ExtensionType.renegotiation_info:
      return { kind: 'renegotiation_info', renegotiatedConnection: vector(r, 'renegotiated_connection', 1) };
    case ExtensionType.session_ticket:
      return { kind: 'session_ticket', ticket: r.rest('ticket', (b) => `${b.length} bytes`) };
    case ExtensionType.supported_versions:
      if (context === 'server_hello') {
        const v = r.u16('selected version', versionName);
        return { kind: 'supported_versions', versions: [v], selected: v };
      } else {
        const versions: number[] = [];
        const len = r.u8('versions length');
        const end = Math.min(r.pos + len, r.end);
        while (r.pos + 2 <= end && !r.truncated) versions.push(r.u16('version', versionName));
        return { kind: 'supported_versions', versions };
      }
    case ExtensionType.key_share:
      if (context === 'server_hello') {
        // RFC 8446 §4.2.8: a HelloRetryRequest carries only the selected group (2 bytes).
        if (r.remaining === 2) {
          const g = r.u16('selected group', (v) => withCode(namedGroupName(v), v));
          return { kind: 'key_share', shares: [], selectedGroup: g };
        }
        return { kind: 'key_share', shares: [keyShareEntry(r)] };
      } else {
        const shares: KeyShareEntry[] = [];
        const len = r.u16('client shares length');
        const end = Math.min(r.pos + len, r.end);
        while (r.pos < end && !r.truncated) shares.push(keyShareEntry(r));
        return { kind: 'key_share', shares };
      }
    case ExtensionType.server_name: {
      // RFC 6066 §3: ServerName server_name_list<1..2^16-1>, name_type 0 = host_name; empty in a server's reply
      const hostNames: string[] = [];
      if (r.remaining === 0) return { kind: 'server_name', hostNames };
      const len = r.u16('server_name_list length');
      const end = Math.min(r.pos + len, r.end);
      while (r.pos + 3 <= end && !r.truncated) {
        const nameType = r.u8('name_type', (v) => (v === 0 ? 'host_name (0)' : String(v)));
        const name = vector(r, 'HostName', 2);
        if (nameType === 0) hostNames.push(utf8Decode(name));
      }
      return { kind: 'server_name', hostNames };
    }
    case ExtensionType.application_layer_protocol_negotiation: {
      // RFC 7301 §3.1: ProtocolName protocol_name_list<2..2^16-1>, each opaque ProtocolName<1..2^8-1>
      const protocols: string[] = [];
      const len = r.u16('protocol_name_list length');
      const end = Math.min(r.pos + len, r.end);
      while (r.pos < end && !r.truncated) protocols.push(utf8Decode(vector(r, 'ProtocolName', 1)));
      return { kind: 'application_layer_protocol_negotiation', protocols };
    }
    default:
      if (EMPTY_EXTENSIONS.has(type)) {
        if (type === ExtensionType.extended_master_secret) return { kind: 'extended_master_secret' };
        return { kind: 'empty', name: extensionTypeName(type) };
      }
      if (r.remaining > 0) r.rest('extension data', (b) => `${b.length} bytes`);
      return { kind: 'raw' };
  }
}

function keyShareEntry(r: Reader): KeyShareEntry {
  return r.group(
    'key share entry',
    () => {
      const group = r.u16('group', (v) => withCode(namedGroupName(v), v));
      const keyExchange = vector(r, 'key_exchange', 2);
      return { group, keyExchange };
    },
    (e) => `${namedGroupName(e.group)}, ${e.keyExchange.length} bytes`,
  );
}

function summarize(b: ExtensionBody): string {
  switch (b.kind) {
    case 'use_srtp':
      return `: ${b.profiles.map(srtpProfileName).join(', ')}${b.mki.length ? `, MKI ${toHex(b.mki)}` : ''}`;
    case 'supported_groups':
      return `: ${b.groups.map(namedGroupName).join(', ')}`;
    case 'supported_versions':
      return `: ${b.versions.map(versionName).join(', ')}`;
    case 'key_share':
      return b.selectedGroup !== undefined ? `: retry with ${namedGroupName(b.selectedGroup)}` : `: ${b.shares.map((s) => namedGroupName(s.group)).join(', ')}`;
    case 'signature_algorithms':
      return `: ${b.schemes.length} schemes`;
    case 'server_name':
      return b.hostNames.length ? `: ${b.hostNames.join(', ')}` : '';
    case 'application_layer_protocol_negotiation':
      return `: ${b.protocols.join(', ')}`;
    default:
      return '';
  }
}

// ---- building extensions --------------------------------------------------------------------------------------

function make(type: number, data: Uint8Array, context: HelloContext = 'client_hello'): Extension {
  return { type, data, body: readBody(new Reader(data), type, context) };
}

function u16ListBytes(items: readonly number[], lenBytes: 1 | 2 = 2): Writer {
  const w = new Writer();
  if (lenBytes === 1) w.u8(items.length * 2);
  else w.u16(items.length * 2);
  for (const v of items) w.u16(v);
  return w;
}

/** RFC 5764 §4.1.1: SRTPProtectionProfiles profiles; opaque srtp_mki<0..255>. */
export function useSrtpExtension(profiles: readonly number[], mki: Uint8Array = new Uint8Array(0)): Extension {
  const w = u16ListBytes(profiles);
  w.u8(mki.length).bytes(mki);
  return make(ExtensionType.use_srtp, w.finish());
}

/** RFC 7627 §5.1: the extension_data is empty. */
export function extendedMasterSecretExtension(): Extension {
  return make(ExtensionType.extended_master_secret, new Uint8Array(0));
}

export function supportedGroupsExtension(groups: readonly number[]): Extension {
  return make(ExtensionType.supported_groups, u16ListBytes(groups).finish());
}

export function ecPointFormatsExtension(formats: readonly number[] = [0]): Extension {
  const w = new Writer();
  w.u8(formats.length);
  for (const f of formats) w.u8(f);
  return make(ExtensionType.ec_point_formats, w.finish());
}

export function signatureAlgorithmsExtension(schemes: readonly number[]): Extension {
  return make(ExtensionType.signature_algorithms, u16ListBytes(schemes).finish());
}

/** RFC 5746 §3.2: an empty renegotiated_connection on the initial handshake. */
export function renegotiationInfoExtension(renegotiatedConnection: Uint8Array = new Uint8Array(0)): Extension {
  const w = new Writer();
  w.u8(renegotiatedConnection.length).bytes(renegotiatedConnection);
  return make(ExtensionType.renegotiation_info, w.finish());
}

export function sessionTicketExtension(ticket: Uint8Array = new Uint8Array(0)): Extension {
  return make(ExtensionType.session_ticket, ticket);
}

/** RFC 8446 §4.2.1: a version list (client) or the selected version (server). */
export function supportedVersionsExtension(versions: readonly number[], context: HelloContext = 'client_hello'): Extension {
  const w = new Writer();
  if (context === 'server_hello') w.u16(versions[0] ?? 0);
  else {
    w.u8(versions.length * 2);
    for (const v of versions) w.u16(v);
  }
  return make(ExtensionType.supported_versions, w.finish(), context);
}

/** RFC 8446 §4.2.8: client_shares (client) or one server_share. */
export function keyShareExtension(shares: readonly KeyShareEntry[], context: HelloContext = 'client_hello'): Extension {
  const entries = new Writer();
  for (const s of shares) entries.u16(s.group).u16(s.keyExchange.length).bytes(s.keyExchange);
  const body = entries.finish();
  const w = new Writer();
  if (context === 'client_hello') w.u16(body.length);
  w.bytes(body);
  return make(ExtensionType.key_share, w.finish(), context);
}

/** RFC 6066 §3: one host_name (the client form). */
export function serverNameExtension(hostName: string): Extension {
  const name = utf8Encode(hostName);
  const w = new Writer();
  w.u16(name.length + 3).u8(0).u16(name.length).bytes(name);
  return make(ExtensionType.server_name, w.finish());
}

/** RFC 7301 §3.1: the protocols offered (client) or the one selected (server). */
export function alpnExtension(protocols: readonly string[], context: HelloContext = 'client_hello'): Extension {
  const list = new Writer();
  for (const p of protocols) {
    const b = utf8Encode(p);
    list.u8(b.length).bytes(b);
  }
  const body = list.finish();
  const w = new Writer();
  w.u16(body.length).bytes(body);
  return make(ExtensionType.application_layer_protocol_negotiation, w.finish(), context);
}

/** Any extension kept as opaque bytes. */
export function rawExtension(type: number, data: Uint8Array, context: HelloContext = 'client_hello'): Extension {
  return make(type, data, context);
}

/** Writes `extensions<0..2^16-1>` (with its length); nothing at all for an empty list when `omitIfEmpty`. */
export function writeExtensions(w: Writer, extensions: readonly Extension[], omitIfEmpty = true): void {
  if (extensions.length === 0 && omitIfEmpty) return;
  const at = w.pos;
  w.u16(0);
  for (const e of extensions) w.u16(e.type).u16(e.data.length).bytes(e.data);
  w.setU16(at, w.pos - at - 2);
}

/** The first extension of a type, with its body narrowed. */
export function findExtension<K extends ExtensionBody['kind']>(
  extensions: readonly Extension[],
  kind: K,
): (Extension & { body: Extract<ExtensionBody, { kind: K }> }) | undefined {
  return extensions.find((e) => e.body.kind === kind) as (Extension & { body: Extract<ExtensionBody, { kind: K }> }) | undefined;
}
