import { describe, expect, it } from 'vitest';
import { findPreset } from '../scenario/presets/index.ts';
import { parseScenario } from '../scenario/parse.ts';
import { runScenario } from '../scenario/run.ts';
import { readCapture, writePcapng } from '../wire/pcap/index.ts';
import { analyzeCapture, formatStory, type CaptureStory } from './story.ts';
import { jitterNotApplicable } from './streams.ts';

// Our own exports write one pcapng interface per link, so every datagram appears once per link it crossed. The story
// `rtclab dissect --summary` tells must count each event once, tie NAT-rewritten addresses by the copies, and label
// every tie by its evidence. Each scenario's own summary (what the simulated endpoints did) is the truth.

type Obj = Record<string, unknown>;

const memo = new Map<string, { story: CaptureStory; text: string; summary: Obj }>();
function exported(preset: string) {
  let m = memo.get(preset);
  if (!m) {
    const r = runScenario(parseScenario(findPreset(preset)!.build()));
    const story = analyzeCapture(readCapture(writePcapng(r.trace)));
    m = { story, text: formatStory(story), summary: r.summary as Obj };
    memo.set(preset, m);
  }
  return m;
}

const selected = (summary: Obj, host: string) => {
  const pair = ((summary.ice as Obj)[host] as Obj).selectedPair as { local: Obj; remote: Obj };
  return { local: `${String(pair.local.address)}:${String(pair.local.port)}`, remote: `${String(pair.remote.address)}:${String(pair.remote.port)}` };
};

describe('a call through two NATs, exported with one interface per link', () => {
  it('counts each datagram once and says how many packets were copies', () => {
    const { story, text } = exported('call-p2p');
    const a = story.analyzer;
    expect(a.datagrams + a.sightings.copies).toBe(story.packets.length);
    expect(a.sightings.copies).toBeGreaterThan(a.datagrams); // most datagrams cross three or four links
    expect(text).toMatch(new RegExp(`${a.datagrams} distinct datagrams: ${a.sightings.copies} packets are the same datagram seen again`));
  });

  it('lists each TURN allocation once, under the address the server saw', () => {
    const { story, summary } = exported('call-p2p');
    const server = (summary.turn as Obj[]).find((x) => x.kind === 'turn-server')!;
    expect(story.analyzer.allocations.length).toBe(server.allocations);
    expect(story.analyzer.allocations.map((x) => x.client)).toEqual(['203.0.113.10:54635', '203.0.113.20:60623']);
  });

  it('ties each private address to its mapping by the copies seen rewritten, and labels every tie by its evidence', () => {
    const { story, text } = exported('call-p2p');
    const ties = story.analyzer.natTies.map((t) => `${t.evidence} ${t.inside} ${t.outside}`);
    expect(ties).toContain('rewritten 10.0.1.10:54635 203.0.113.10:54635');
    expect(ties).toContain('rewritten 10.0.2.10:60623 203.0.113.20:60623');
    expect(ties).toContain('reflexive 10.0.1.10:54635 203.0.113.10:54635');
    expect(ties).toContain('relayed 203.0.113.10:54635 198.51.100.10:49152');
    // never a relayed address or a server's address called a NAT translation
    for (const t of story.analyzer.natTies.filter((x) => x.evidence !== 'relayed')) {
      expect(t.outside.startsWith('198.51.100.10:'), `${t.evidence} ${t.inside} → ${t.outside}`).toBe(false);
      expect(t.inside.startsWith('198.51.100.10:'), `${t.evidence} ${t.inside} → ${t.outside}`).toBe(false);
    }
    expect(text).toMatch(/seen rewritten on the wire \(the same datagram on both sides of a NAT\):\n {4}10\.0\.1\.10:54635 → 203\.0\.113\.10:54635/);
    expect(text).toMatch(/relayed address allocated by TURN \(the TURN server's address, standing for the client; not a NAT\)/);
  });

  it('selects the pair the agents selected (seen from the host, whose base is the server-reflexive candidate)', () => {
    const { story, summary } = exported('call-p2p');
    const sel = story.analyzer.ice.selected()!;
    const alice = selected(summary, 'alice');
    expect(story.analyzer.canonical(alice.local)).toBe(sel.local);
    expect(sel.remote).toBe(alice.remote);
  });

  it('shows one DTLS handshake, naming the links where it was seen again, and one stream per SSRC', () => {
    const { story, text } = exported('call-p2p');
    expect(text.match(/DTLS 1\.2 established/g)?.length).toBe(1);
    expect(text).toMatch(/the same handshake seen again as .*@natA-wan/);
    const ssrcs = story.analyzer.streams.streams.map((s) => s.ssrc);
    expect(new Set(ssrcs).size).toBe(ssrcs.length);
    expect(ssrcs.length).toBe(4);
  });
});

describe('a call relayed through TURN behind symmetric NATs', () => {
  it('rebuilds the relayed checks between relayed addresses and selects what the agents selected', () => {
    const { story, summary } = exported('call-p2p-turn');
    const bob = selected(summary, 'bob');
    const pair = story.analyzer.ice.pairs.find((p) => p.local === bob.local && p.remote === bob.remote);
    expect(pair?.state, `${bob.local} → ${bob.remote}`).toBe('succeeded');
    // the checks inside ChannelData, or inside the Send and Data indications before a channel is bound, are not
    // pairs with the TURN server's own port
    expect(story.analyzer.ice.pairs.some((p) => p.local.endsWith(':3478') || p.remote.endsWith(':3478'))).toBe(false);
  });

  it('counts media relayed by TURN once per stream, from the relayed copies', () => {
    const { story, summary } = exported('call-p2p-turn');
    const streams = story.analyzer.streams.streams;
    expect(streams.length).toBe(4);
    expect(streams.every((s) => s.relayed && s.duplicates > 0)).toBe(true);
    // every packet each sender sent, once (the capture sees them leave, relayed or not)
    for (const who of ['alice/webrtc-peer', 'bob/webrtc-peer']) {
      for (const sent of ((summary.media as Obj)[who] as Obj[]).filter((m) => m.direction === 'send')) {
        expect(streams.find((s) => s.ssrc === Number(sent.ssrc))?.packets, `${who} ${String(sent.kind)}`).toBe(sent.packets);
      }
    }
  });
});

describe('a double NAT', () => {
  it('follows the private address through both NATs to the address the STUN server saw', () => {
    const { story, text } = exported('ice-double-nat');
    const rewritten = story.analyzer.natTies.filter((t) => t.evidence === 'rewritten').map((t) => `${t.inside} → ${t.outside}`);
    expect(rewritten).toContain('10.0.1.10:54635 → 100.64.0.42:54635');
    expect(rewritten).toContain('100.64.0.42:54635 → 203.0.113.10:10725');
    expect(story.analyzer.canonical('203.0.113.10:10725')).toBe('10.0.1.10:54635');
    expect(text).toMatch(/10\.0\.1\.10:54635 → 100\.64\.0\.42:54635 → 203\.0\.113\.10:10725/);
  });
});

describe('jitter of retransmission and padding streams', () => {
  const base = { ssrc: 1, src: 'a', dst: 'b', srtp: false, payloadTypes: new Map([[97, 10]]), packets: 10, paddingPackets: 0, timestampBackwards: 0 };
  const stream = (x: Partial<typeof base>) => ({ ...base, ...x }) as unknown as Parameters<typeof jitterNotApplicable>[0];
  it('is not applicable to an SSRC the SDP groups as FID retransmission, nor to an rtx payload type', () => {
    expect(jitterNotApplicable(stream({}), { payloadTypes: new Set(), ssrcs: new Set([1]) })).toMatch(/RTX stream \(a=ssrc-group:FID/);
    expect(jitterNotApplicable(stream({}), { payloadTypes: new Set([97]), ssrcs: new Set() })).toMatch(/PT 97 is rtx/);
  });
  it('is not applicable, without signaling, when padding packets come with timestamps that go backwards', () => {
    expect(jitterNotApplicable(stream({ paddingPackets: 3, timestampBackwards: 1 }))).toMatch(/RTX or padding stream/);
    expect(jitterNotApplicable(stream({ paddingPackets: 10 }))).toMatch(/padding-only/);
    expect(jitterNotApplicable(stream({}))).toBeUndefined();
  });
});

describe('what is not a copy', () => {
  it('never ties empty payloads: identical bare TCP segments on four loopback connections are four datagrams', async () => {
    const { readFileSync } = await import('node:fs');
    const file = new URL('../../captures/tls13-node/tls-node.pcapng', import.meta.url);
    const story = analyzeCapture(readCapture(new Uint8Array(readFileSync(file))));
    const text = formatStory(story);
    expect(text).not.toMatch(/seen rewritten/);
    expect(text).not.toMatch(/distinct datagrams/);
  });
});
