// a=max-message-size (RFC 8841 §6.1) both ways: the sender keeps under the peer's value, the receiver closes a
// channel whose peer broke its own (RFC 8831 §6.6); 0 means any size; SDP writes and reads the attribute.
import { describe, expect, it } from 'vitest';
import { writeSession } from '../peer/description.ts';
import { createAnswer, createOffer, type FactoryOptions } from '../peer/offer-answer.ts';
import { CHROMIUM } from '../peer/codecs.ts';
import { readDescription } from '../peer/sdp.ts';
import { decodeSdp } from '../wire/sdp/sdp.ts';
import { ChannelsPair } from './channels-pair.ts';
import type { DataChannelAction } from './datachannels.ts';

const MS = 1000;
const open: DataChannelAction = { at: 0, do: 'open', label: 'files' };
const send = (at: number, bytes: number): DataChannelAction => ({ at: at * MS, do: 'send', label: 'files', bytes });
const channel = (p: ChannelsPair, side: 'client' | 'server') => [...p[side].channels.values()].find((c) => c.label === 'files')!;

describe('a=max-message-size (RFC 8841 §6.1)', () => {
  it('the sender refuses a message one byte over the peer\'s limit, with a note, and sends one at the limit', () => {
    const p = ChannelsPair.of([open, send(100, 1000), send(200, 1001), send(300, 10)], [], { client: { remoteMaxMessageSize: 1000 } });
    p.run(2_000 * MS);
    expect(channel(p, 'server').stats).toMatchObject({ messagesReceived: 2, bytesReceived: 1010 });
    expect(channel(p, 'client').stats.messagesSent).toBe(2);
    expect(channel(p, 'client').state).toBe('open'); // W3C send() throws; the channel stays open
    expect(p.client.stats.tooBigSent).toBe(1);
    expect(p.kinds('datachannel.too-big')).toEqual(['client: message of 1001 bytes on data channel "files" not sent: the peer takes at most 1000 (a=max-message-size, RFC 8841 §6.1)']);
    expect(p.client.summary()).toMatchObject({ tooBigSent: 1, tooBigReceived: 0 });
  });

  it('a receiver sent more than it declared discards the message and closes the channel both ways (RFC 8831 §6.6)', () => {
    // the client ignores the server's limit (it believes 256 kB): a peer that breaks the rule
    const p = ChannelsPair.of([open, send(100, 5000)], [], { server: { localMaxMessageSize: 4096 } });
    p.run(3_000 * MS);
    const s = channel(p, 'server');
    expect([s.stats.messagesReceived, s.stats.dropped, s.state, channel(p, 'client').state]).toEqual([0, 1, 'closed', 'closed']);
    expect(p.server.stats.tooBigReceived).toBe(1);
    expect(p.kinds('datachannel.too-big')).toEqual([
      'server: message of 5000 bytes on data channel "files" is over the 4096 this side declared (a=max-message-size, RFC 8841 §6.1): discarded, channel closed (RFC 8831 §6.6)',
    ]);
    expect(p.kinds('sctp.stream.reset').length).toBeGreaterThan(0);
    // the association itself is untouched
    expect([p.client.association.state, p.server.association.state]).toEqual(['established', 'established']);
  });

  it('0 means any size both ways: a 100 kB message goes through a limit of 0 that 64 kB would refuse', () => {
    const p = ChannelsPair.of([open, send(100, 100_000)], [], { client: { remoteMaxMessageSize: 0 }, server: { localMaxMessageSize: 0 } });
    p.run(3_000 * MS);
    expect(channel(p, 'server').stats).toMatchObject({ messagesReceived: 1, bytesReceived: 100_000 });
    const q = ChannelsPair.of([open, send(100, 100_000)], [], { client: { remoteMaxMessageSize: 65536 } });
    q.run(3_000 * MS);
    expect([channel(q, 'server').stats.messagesReceived, q.client.stats.tooBigSent]).toEqual([0, 1]);
  });
});

describe('a=max-message-size in SDP (RFC 8841 §6)', () => {
  const FP = 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89';
  const options = (extra: Partial<FactoryOptions> = {}): FactoryOptions => ({
    capabilities: CHROMIUM,
    transport: { ufrag: 'Xy7Qabcd', pwd: 'abcdefghijklmnopqrstuv+/', iceOptions: ['trickle'], lite: false, fingerprint: FP, setup: 'actpass' },
    candidates: ['1467250027 1 udp 2122260223 10.0.1.10 50000 typ host'], endOfCandidates: false,
    sessionId: '4611731400430051336', sessionVersion: 2, cname: 'alice', streamId: 'stream-a', tracks: [], data: true, ...extra,
  });
  const mms = (sdp: string): string | undefined => decodeSdp(sdp).value.media.find((m) => m.media === 'application')?.attributes.find((a) => a.name === 'max-message-size')?.value;

  it('an offer and an answer each declare their own limit: 262144 by default, the configured one otherwise', () => {
    const offer = writeSession(createOffer(options({ maxMessageSize: 16384 })));
    expect(mms(offer)).toBe('16384');
    expect(mms(writeSession(createOffer(options())))).toBe('262144');
    // the answerer's value is its own, not the smaller of the two (each binds the other side's sends)
    const answer = createAnswer(decodeSdp(offer).value, options({ transport: { ...options().transport, setup: 'active' } }));
    expect(answer.ok && mms(writeSession(answer.model))).toBe('262144');
  });

  it('reads the remote limit: the value given, 0 for any size, 64 kB when the attribute is absent', () => {
    const offer = writeSession(createOffer(options({ maxMessageSize: 16384 })));
    const read = (text: string) => {
      const r = readDescription(text);
      if (!r.ok) throw new Error(r.error);
      return r.value.application?.maxMessageSize;
    };
    expect(read(offer)).toBe(16384);
    expect(read(offer.replace('a=max-message-size:16384', 'a=max-message-size:0'))).toBe(0);
    expect(read(offer.replace('a=max-message-size:16384\r\n', ''))).toBe(65536);
  });
});

describe('the webrtc-peer field maxMessageSize', () => {
  it('datachannel-p2p with Alice declaring 16384 in her offer: Bob\'s 20 kB message on "files" is refused at his side, the rest flows', async () => {
    const { parseScenario } = await import('../scenario/parse.ts');
    const { findPreset } = await import('../scenario/presets/index.ts');
    const { runScenario } = await import('../scenario/run.ts');
    const s = findPreset('datachannel-p2p')!.build() as { apps: Record<string, unknown>[] };
    const r = runScenario(parseScenario({ ...s, apps: s.apps.map((a) => (a.host === 'alice' ? { ...a, maxMessageSize: 16384 } : a)) }));
    const notes = r.trace.notes.filter((n) => n.kind === 'datachannel.too-big');
    expect(notes.map((n) => [n.source, n.data])).toEqual([['bob/webrtc-peer', { direction: 'sent', streamId: 10, label: 'files', bytes: 20000, limit: 16384 }]]);
    const dc = r.summary.datachannels as Record<string, { tooBigSent?: number; channels: { label: string; messagesReceived: number; bytesReceived: number }[] }>;
    expect(dc['bob/webrtc-peer']!.tooBigSent).toBe(1);
    // the empty binary message after it still arrives
    expect(dc['alice/webrtc-peer']!.channels.find((c) => c.label === 'files')).toMatchObject({ messagesReceived: 1, bytesReceived: 0 });
  });
});
