import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { toHex } from '../../sim/core/encoding.ts';
import type { HttpRequestLine, HttpStatusLine } from '../../sim/wire/http/http.ts';
import type { DissectedPacket } from '../../sim/dissect/types.ts';

/**
 * The tshark oracle for tests (node only): tshark's fields for every frame of a capture, and a frame-by-frame
 * comparison with our dissection wherever tshark has an opinion (STUN id and type, RTP SSRC and sequence number
 * with its RTP heuristic on, DTLS handshake types with the key log, ports, HTTP messages, WebSocket frames, SIP
 * messages over UDP or TCP).
 */
export function tsharkAvailable(): boolean {
  try {
    execFileSync('tshark', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const FIELDS = [
  'frame.number',
  'stun.id',
  'stun.type',
  'rtp.ssrc',
  'rtp.seq',
  'dtls.handshake.type',
  'udp.srcport',
  'udp.dstport',
  'tcp.srcport',
  'tcp.dstport',
  'http.request.method',
  'http.request.uri',
  'http.response.code',
  'websocket.opcode',
  'websocket.fin',
  'websocket.mask',
  'icmp.type',
  'icmp.code',
  'icmpv6.type',
  'icmpv6.code',
  'sip.Method',
  'sip.Status-Code',
  'sip.Call-ID',
  'sip.CSeq.seq',
  'sip.CSeq.method',
] as const;

/** How tshark is run: the key log, the heuristic dissectors turned on, a display filter, the list aggregator. */
export interface TsharkOptions {
  readonly keyLog?: string | undefined;
  /** heuristic dissectors to enable, by tshark's short name (`tshark -G heuristic-decodes`), e.g. 'rtp_udp' */
  readonly heuristics?: readonly string[];
  /** a display filter: only the frames it selects are printed */
  readonly filter?: string;
  /** what joins a field's occurrences in one frame (',' unless told) */
  readonly aggregator?: string;
}

/** tshark's fields (`-T fields`, every occurrence) for the frames of a capture, one row of strings per frame. */
export function tsharkFields(file: string, fields: readonly string[], options: TsharkOptions = {}): string[][] {
  const args = ['-r', file, '-n', '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', `aggregator=${options.aggregator ?? ','}`];
  for (const h of options.heuristics ?? []) args.push('--enable-heuristic', h);
  if (options.keyLog) args.push('-o', `tls.keylog_file:${options.keyLog}`);
  if (options.filter) args.push('-Y', options.filter);
  for (const f of fields) args.push('-e', f);
  return execFileSync('tshark', args, { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] })
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => l.split('\t'));
}

export function tshark(file: string, keyLog: string | undefined): string[][] {
  return tsharkFields(file, FIELDS, { keyLog, heuristics: ['rtp_udp'] });
}

const list = (s: string | undefined): string[] => (s ? s.split(',').filter((x) => x !== '') : []);

function ourStun(p: DissectedPacket): Map<string, number> {
  const m = new Map<string, number>();
  for (const l of p.layers) {
    if (l.protocol !== 'STUN' || !l.value) continue;
    const s = l.value;
    const cls = { request: 0, indication: 1, success: 2, error: 3 }[s.class];
    const type = ((s.method & 0xf80) << 2) | ((cls & 2) << 7) | ((s.method & 0x70) << 1) | ((cls & 1) << 4) | (s.method & 0xf);
    m.set(toHex(s.transactionId), type);
  }
  return m;
}

/** Our handshake message types in a frame; with `clearOnly`, those sent in the clear (the decrypted left out). */
function ourHandshakeTypes(p: DissectedPacket, clearOnly = false): number[] {
  const out: number[] = [];
  for (const l of p.layers) {
    if (l.protocol !== 'DTLS' || !l.value) continue;
    const v = l.value;
    if ('decrypted' in v) {
      if (v.decrypted === 'handshake' && !clearOnly) for (const m of v.messages) out.push(m.fragment.msgType);
      continue;
    }
    for (const r of v) if (r.content.kind === 'handshake') for (const m of r.content.messages) out.push(m.fragment.msgType);
  }
  return out;
}


/**
 * Compares our packets with tshark's rows frame by frame (vitest expectations); returns how many facts agreed.
 * `opaque`: frames whose sealed DTLS records tshark cannot decrypt (tshark-dtls.ts: a 5-tuple where it did not see
 * both hellos), compared on the handshake messages sent in the clear.
 */
export function compareWithTshark(packets: readonly DissectedPacket[], rows: readonly string[][], opaque: ReadonlySet<number> = new Set()): number {
  expect(rows.length).toBe(packets.length);
  let compared = 0;
  for (const row of rows) {
    const [no, ids, types, ssrcs, seqs, hs, usport, udport, tsport, tdport, methods, uris, codes, opcodes, fins, masks, icmpType, icmpCode, icmp6Type, icmp6Code, sipMethods, sipCodes, callIds, cseqs, cseqMethods] = row;
    const p = packets[Number(no) - 1]!;
    const sport = usport || tsport;
    const dport = udport || tdport;
    // an ICMP error's ports are those of the datagram it quotes (tshark dissects the quote as IP and UDP again)
    const quoted = p.layers.flatMap((l) => ((l.protocol === 'UDP' || l.protocol === 'TCP') && l.quoted && l.value ? [l.value] : []))[0];
    const ports = quoted ?? p.flow;
    if (sport) {
      expect(ports?.srcPort, `frame ${no}`).toBe(Number(sport.split(',')[0]));
      compared++;
    }
    if (dport) expect(ports?.dstPort, `frame ${no}`).toBe(Number(dport.split(',')[0]));
    const icmp = p.layers.flatMap((l) => ((l.protocol === 'ICMP' || l.protocol === 'ICMPv6') && l.value ? [l.value] : []))[0];
    if (icmpType || icmp6Type) {
      expect(icmp, `frame ${no}: tshark says ICMP`).toBeDefined();
      expect(icmp!.type, `frame ${no} ICMP type`).toBe(Number(list(icmpType || icmp6Type)[0]));
      expect(icmp!.code, `frame ${no} ICMP code`).toBe(Number(list(icmpCode || icmp6Code)[0]));
      compared++;
    } else expect(icmp, `frame ${no}: tshark sees no ICMP`).toBeUndefined();
    // HTTP messages and WebSocket frames tshark finds in a frame (after its own TCP reassembly), in order
    const http = p.layers.flatMap((l) => (l.protocol === 'HTTP' && l.value ? [l.value] : []));
    const requests = http.filter((m) => m.start.kind === 'request').map((m) => m.start as HttpRequestLine);
    expect(requests.map((r) => r.method), `frame ${no} HTTP methods`).toEqual(list(methods));
    expect(requests.map((r) => r.target), `frame ${no} HTTP URIs`).toEqual(list(uris));
    expect(http.filter((m) => m.start.kind === 'response').map((m) => String((m.start as HttpStatusLine).status)), `frame ${no} HTTP status`).toEqual(list(codes));
    const ws = p.layers.flatMap((l) => (l.protocol === 'WEBSOCKET' && l.value ? [l.value] : []));
    expect(ws.map((f) => String(f.opcode)), `frame ${no} WebSocket opcodes`).toEqual(list(opcodes));
    // tshark prints booleans as 1/0 (or True/False in older versions)
    const bool = (x: string): boolean => x === '1' || x === 'True';
    expect(ws.map((f) => f.fin), `frame ${no} FIN`).toEqual(list(fins).map(bool));
    expect(ws.map((f) => f.masked), `frame ${no} MASK`).toEqual(list(masks).map(bool));
    compared += http.length + ws.length;
    // SIP messages tshark finds in a frame (over TCP after its own reassembly, by Content-Length), in order
    const sip = p.layers.flatMap((l) => (l.protocol === 'SIP' && l.value ? [l.value] : []));
    expect(sip.flatMap((m) => (m.start.kind === 'request' ? [m.start.method] : [])), `frame ${no} SIP methods`).toEqual(list(sipMethods));
    expect(sip.flatMap((m) => (m.start.kind === 'response' ? [String(m.start.status)] : [])), `frame ${no} SIP status`).toEqual(list(sipCodes));
    const header = (m: (typeof sip)[number], name: string): string => m.headers.find((h) => h.name === name)?.value ?? '';
    expect(sip.map((m) => header(m, 'Call-ID')), `frame ${no} SIP Call-ID`).toEqual(list(callIds));
    expect(sip.map((m) => header(m, 'CSeq').split(/\s+/)), `frame ${no} SIP CSeq`).toEqual(list(cseqs).map((n, i) => [n, list(cseqMethods)[i]]));
    compared += sip.length;
    const stun = ourStun(p);
    list(ids).forEach((id, i) => {
      expect(stun.get(id), `frame ${no} STUN ${id}`).toBe(Number(list(types)[i]));
      compared++;
    });
    const ssrcList = list(ssrcs);
    if (ssrcList.length) {
      const rtp = p.layers.flatMap((l) => ((l.protocol === 'RTP' || l.protocol === 'SRTP') && !l.plaintext ? [l] : []))[0];
      expect(rtp, `frame ${no}: tshark says RTP`).toBeDefined();
      const h = rtp!.value!.header;
      expect(h.ssrc, `frame ${no}`).toBe(Number(ssrcList[0]));
      expect(h.sequenceNumber, `frame ${no}`).toBe(Number(list(seqs)[0]));
      compared++;
    }
    const hsList = list(hs).map(Number);
    if (hsList.length) {
      expect(ourHandshakeTypes(p, opaque.has(Number(no))), `frame ${no} handshake types`).toEqual(hsList);
      compared++;
    }
  }
  return compared;
}

/**
 * The frames Wireshark's own filter engine selects for each display filter, on one capture: one `sharkd` process
 * (Wireshark's daemon: the same dissectors and filter engine as tshark, loading the file once) with tshark's options
 * as `tshark()` above sets them (the key log, the UDP RTP heuristic on). A filter sharkd rejects maps to 'invalid'.
 * `tsharkFilter` asks tshark itself (one process per filter: slower; tests cross-check a few with it).
 */
export function sharkdFilters(file: string, keyLog: string | undefined, filters: readonly string[]): Map<string, number[] | 'invalid'> {
  const config = mkdtempSync(join(tmpdir(), 'rtclab-sharkd-'));
  try {
    mkdirSync(join(config, 'wireshark'));
    writeFileSync(join(config, 'wireshark', 'heuristic_protos'), 'rtp_udp,1\n');
    const req = (id: number, method: string, params: Record<string, string>): string => JSON.stringify({ jsonrpc: '2.0', id, method, params });
    const lines: string[] = [];
    if (keyLog) lines.push(req(1, 'setconf', { name: 'tls.keylog_file', value: keyLog }));
    lines.push(req(2, 'load', { file }));
    filters.forEach((f, i) => lines.push(req(10 + i, 'frames', { filter: f, column0: 'frame.number:0' })));
    const out = execFileSync('sharkd', ['-'], { input: `${lines.join('\n')}\n`, encoding: 'utf8', maxBuffer: 256 << 20, env: { ...process.env, XDG_CONFIG_HOME: config }, stdio: ['pipe', 'pipe', 'ignore'] });
    const answers = new Map<number, { result?: unknown; error?: unknown }>();
    for (const l of out.split('\n')) {
      if (!l.startsWith('{')) continue;
      const a = JSON.parse(l) as { id: number; result?: unknown; error?: unknown };
      answers.set(a.id, a);
    }
    if (answers.get(2)?.error) throw new Error(`sharkd cannot load ${file}: ${JSON.stringify(answers.get(2)!.error)}`);
    const res = new Map<string, number[] | 'invalid'>();
    filters.forEach((f, i) => {
      const a = answers.get(10 + i);
      if (!a) throw new Error(`sharkd gave no answer for ${f}`);
      res.set(f, a.error ? 'invalid' : (a.result as { num: number }[]).map((r) => r.num));
    });
    return res;
  } finally {
    rmSync(config, { recursive: true, force: true });
  }
}

export function tsharkFilter(file: string, keyLog: string | undefined, filter: string): number[] {
  const args = ['-r', file, '-n', '--enable-heuristic', 'rtp_udp', '-Y', filter, '-T', 'fields', '-e', 'frame.number'];
  if (keyLog) args.push('-o', `tls.keylog_file:${keyLog}`);
  return execFileSync('tshark', args, { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] })
    .split('\n')
    .filter((l) => l.length > 0)
    .map(Number);
}

/** tshark's Follow TCP/UDP Stream in raw form: each node's bytes, concatenated in order, as hex. */
export function tsharkFollowRaw(file: string, keyLog: string | undefined, kind: 'tcp' | 'udp' | 'tls', index: number): { nodes: string[]; hex: [string, string] } {
  const args = ['-r', file, '-n', '-q', '-z', `follow,${kind},raw,${index}`];
  if (keyLog) args.push('-o', `tls.keylog_file:${keyLog}`);
  const out = execFileSync('tshark', args, { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] });
  const hex: [string, string] = ['', ''];
  const nodes: string[] = [];
  for (const line of out.split('\n')) {
    const node = /^Node (\d): (.*)$/.exec(line);
    if (node) nodes[Number(node[1])] = node[2]!;
    else if (/^\t?[0-9a-f]+$/.test(line)) hex[line.startsWith('\t') ? 1 : 0] += line.trim();
  }
  return { nodes, hex };
}
