// CANCEL (RFC 3261 §9) in the sip-cancel preset: the caller gives up while the callee rings; the CANCEL copies the
// INVITE's branch and is answered 200, the INVITE 487 and ACKed; no dialog, no media. A CANCEL before any
// provisional response waits for one (§9.1); a CANCEL that matches no transaction gets 481 (§9.2). tshark reads
// every packet with no malformed one.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tsharkAvailable } from '../../test/support/tshark.ts';
import type { Trace } from '../core/trace.ts';
import { dissectPacket } from '../dissect/dissect.ts';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';
import { writePcapng } from '../wire/pcap/pcapng-writer.ts';
import { sipHeader, type SipMessage } from '../wire/sip/message.ts';

const HOSTS = new Set(['desk', 'mobile', 'pbx']);

/** Each SIP message once (the hop leaving its host), decoded. */
function messages(trace: Trace): { from: string; m: SipMessage; summary: string }[] {
  const out: { from: string; m: SipMessage; summary: string }[] = [];
  for (const h of trace.hops) {
    if (!HOSTS.has(h.from)) continue;
    const sip = dissectPacket(h.bytes).layers.find((l) => l.protocol === 'SIP');
    if (sip && sip.protocol === 'SIP' && sip.value) out.push({ from: h.from, m: sip.value, summary: sip.summary });
  }
  return out;
}

function run(edit?: (apps: Record<string, unknown>[]) => void) {
  const json = findPreset('sip-cancel')!.build() as { apps: Record<string, unknown>[] };
  edit?.(json.apps);
  return runScenario(parseScenario(json));
}

const dir = mkdtempSync(join(tmpdir(), 'rtclab-sip-cancel-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sip-cancel', () => {
  const r = run();
  const seen = messages(r.trace);

  it('INVITE, 100, 180, CANCEL, 200 (CANCEL), 487 (INVITE), ACK; no 200 for the INVITE, no BYE', () => {
    expect(seen.filter((s) => !(sipHeader(s.m, 'CSeq') ?? '').endsWith('REGISTER')).map((s) => `${s.from} ${s.summary}`)).toEqual([
      'desk INVITE sip:1002@rtclab.test',
      'pbx 100 Trying (INVITE)',
      'pbx 302 Moved Temporarily (INVITE)',
      'desk ACK sip:1002@rtclab.test',
      // RFC 3261 §8.1.3.4: the retried INVITE (and so its CANCEL and the 487's ACK) has the 302's Contact as Request-URI
      'desk INVITE sip:1002@192.0.2.30:5060',
      'mobile 100 Trying (INVITE)',
      'mobile 180 Ringing (INVITE)',
      'desk CANCEL sip:1002@192.0.2.30:5060',
      'mobile 200 OK (CANCEL)',
      'mobile 487 Request Terminated (INVITE)',
      'desk ACK sip:1002@192.0.2.30:5060',
    ]);
  });

  it('the CANCEL copies the INVITE’s Via (its branch), Request-URI, Call-ID, From, To and CSeq number (§9.1)', () => {
    const invite = seen.filter((s) => s.m.start.kind === 'request' && s.m.start.method === 'INVITE')[1]!.m;
    const cancel = seen.find((s) => s.m.start.kind === 'request' && s.m.start.method === 'CANCEL')!.m;
    for (const h of ['Via', 'Call-ID', 'From', 'To']) expect(sipHeader(cancel, h), h).toBe(sipHeader(invite, h));
    expect(sipHeader(cancel, 'CSeq')).toBe(`${sipHeader(invite, 'CSeq')!.split(' ')[0]} CANCEL`);
    expect(cancel.start.kind === 'request' && invite.start.kind === 'request' && cancel.start.uri === invite.start.uri).toBe(true);
    // the 487's ACK: the INVITE's branch, the 487's To tag (§17.1.1.3)
    const ack = seen.at(-1)!.m;
    const terminated = seen.find((s) => s.m.start.kind === 'response' && s.m.start.status === 487)!.m;
    expect(sipHeader(ack, 'Via')).toBe(sipHeader(invite, 'Via'));
    expect(sipHeader(ack, 'To')).toBe(sipHeader(terminated, 'To'));
  });

  it('both phones say the call ended with 487, and no RTP was sent', () => {
    const notes = r.trace.notes.filter((n) => n.kind === 'sip.call').map((n) => `${n.source.split('/')[0]} ${n.text.replace(/call \S+ /, '')}`);
    expect(notes).toEqual(expect.arrayContaining([expect.stringMatching(/^mobile ended \(487\): CANCEL received/), expect.stringMatching(/^desk ended \(487\)/), expect.stringMatching(/^desk cancelled by the caller: CANCEL sent/)]));
    const phones = (r.summary.apps as { kind: string; media: { sent: number }[] }[]).filter((a) => a.kind === 'sip-phone');
    expect(phones.flatMap((p) => p.media)).toEqual([]);
  });

  it('a CANCEL asked for before any provisional response waits for one (§9.1): no CANCEL before the 180', () => {
    // the caller gives up 80 ms after its first INVITE: after the 302 (one 60 ms round trip to the registrar),
    // before the phone's 100 to the second INVITE (one 100 ms round trip to the phone) has come
    const early = run((apps) => {
      (apps[1]!.call as Record<string, unknown>).cancelAfter = '80ms';
    });
    const flow = messages(early.trace).filter((s) => !(sipHeader(s.m, 'CSeq') ?? '').endsWith('REGISTER')).map((s) => `${s.from} ${s.summary}`);
    const cancelAt = flow.indexOf('desk CANCEL sip:1002@192.0.2.30:5060');
    expect(cancelAt).toBeGreaterThan(flow.indexOf('mobile 100 Trying (INVITE)'));
    expect(flow.slice(cancelAt)).toEqual(['desk CANCEL sip:1002@192.0.2.30:5060', 'mobile 200 OK (CANCEL)', 'mobile 487 Request Terminated (INVITE)', 'desk ACK sip:1002@192.0.2.30:5060']);
  });

  it.skipIf(!tsharkAvailable())('tshark reads every packet with no malformed one and sees the CANCEL and the 487', () => {
    const pcap = join(dir, 'cancel.pcapng');
    writeFileSync(pcap, writePcapng(r.trace));
    const bad = execFileSync('tshark', ['-r', pcap, '-Y', '_ws.malformed || _ws.expert.severity >= error'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(bad.trim()).toBe('');
    const rows = execFileSync('tshark', ['-r', pcap, '-Y', 'sip.Method == "CANCEL" || sip.Status-Code == 487', '-T', 'fields', '-e', 'sip.CSeq.method', '-e', 'sip.Status-Code'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    // each message is captured on both links it crosses
    expect(rows.trim().split('\n').sort()).toEqual(['CANCEL\t', 'CANCEL\t', 'INVITE\t487', 'INVITE\t487']);
  });
});
