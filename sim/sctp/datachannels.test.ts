import { describe, expect, it } from 'vitest';
import { encodeDcep } from '../wire/sctp/dcep.ts';
import { Ppid } from '../wire/sctp/names.ts';
import type { DataChannelAction } from './datachannels.ts';
import { ChannelsPair as Pair } from './channels-pair.ts';

describe('DCEP (RFC 8832) and data channels (RFC 8831)', () => {
  it('opens a channel of every type on the opener\'s parity, acknowledges it, and carries text, binary and empty messages', () => {
    const opens: DataChannelAction[] = [
      { at: 0, do: 'open', label: 'reliable' },
      { at: 0, do: 'open', label: 'unordered', ordered: false },
      { at: 0, do: 'open', label: 'rexmit', maxRetransmits: 2 },
      { at: 0, do: 'open', label: 'rexmit-u', ordered: false, maxRetransmits: 0 },
      { at: 0, do: 'open', label: 'timed', maxPacketLifeTime: 300, protocol: 'json' },
      { at: 0, do: 'open', label: 'timed-u', ordered: false, maxPacketLifeTime: 100 },
      { at: 500_000, do: 'send', label: 'reliable', text: 'text {n}', count: 2 },
      { at: 500_000, do: 'send', label: 'reliable', bytes: 3 },
      { at: 500_000, do: 'send', label: 'reliable', text: '' },
      { at: 500_000, do: 'send', label: 'reliable', bytes: 0 },
    ];
    const p = Pair.of(opens, [{ at: 600_000, do: 'send', label: 'timed', text: 'from the server' }]);
    p.run(3_000_000);
    const c = [...p.client.channels.values()];
    expect(c.map((x) => [x.label, x.streamId, x.state])).toEqual([['reliable', 0, 'open'], ['unordered', 2, 'open'], ['rexmit', 4, 'open'], ['rexmit-u', 6, 'open'], ['timed', 8, 'open'], ['timed-u', 10, 'open']]);
    const s = [...p.server.channels.values()].map((x) => ({ label: x.label, ordered: x.ordered, maxRetransmits: x.maxRetransmits, maxPacketLifeTime: x.maxPacketLifeTime, protocol: x.protocol, by: x.by }));
    expect(s).toEqual([
      { label: 'reliable', ordered: true, maxRetransmits: undefined, maxPacketLifeTime: undefined, protocol: '', by: 'remote' },
      { label: 'unordered', ordered: false, maxRetransmits: undefined, maxPacketLifeTime: undefined, protocol: '', by: 'remote' },
      { label: 'rexmit', ordered: true, maxRetransmits: 2, maxPacketLifeTime: undefined, protocol: '', by: 'remote' },
      { label: 'rexmit-u', ordered: false, maxRetransmits: 0, maxPacketLifeTime: undefined, protocol: '', by: 'remote' },
      { label: 'timed', ordered: true, maxRetransmits: undefined, maxPacketLifeTime: 300, protocol: 'json', by: 'remote' },
      { label: 'timed-u', ordered: false, maxRetransmits: undefined, maxPacketLifeTime: 100, protocol: '', by: 'remote' },
    ]);
    expect(p.server.channels.get(0)!.received).toEqual(['text 1', '<3 bytes>', '', '', 'text 2']);
    expect(p.client.channels.get(8)!.received).toEqual(['from the server']);
    expect(p.client.stats.dataChannelsOpened).toBe(6);
    expect(p.server.stats.dataChannelsOpened).toBe(6);
  });

  it('the server opens on odd streams, and a negotiated channel carries messages with no DCEP at all', () => {
    const p = Pair.of([{ at: 0, do: 'open', label: 'neg', negotiated: true, id: 42 }, { at: 400_000, do: 'send', label: 'neg', text: 'n' }], [{ at: 0, do: 'open', label: 'mine' }, { at: 0, do: 'open', label: 'neg', negotiated: true, id: 42 }]);
    p.run(2_000_000);
    expect(p.server.channels.get(1)?.label).toBe('mine');
    expect(p.client.channels.get(1)?.by).toBe('remote');
    expect(p.server.channels.get(42)!.received).toEqual(['n']);
    expect(p.client.association.stats.packetsSent).toBeGreaterThan(0);
  });

  it('closing resets the stream both ways: both sides end closed (RFC 8831 §6.7)', () => {
    const p = Pair.of([{ at: 0, do: 'open', label: 'chat' }, { at: 300_000, do: 'send', label: 'chat', text: 'last' }, { at: 500_000, do: 'close', label: 'chat' }]);
    p.run(3_000_000);
    expect(p.client.channels.get(0)!.state).toBe('closed');
    expect(p.server.channels.get(0)!.state).toBe('closed');
    expect(p.server.channels.get(0)!.received).toEqual(['last']);
    expect(p.client.stats.dataChannelsClosed).toBe(1);
    expect(p.server.stats.dataChannelsClosed).toBe(1);
  });

  it('an OPEN on a stream of the wrong parity is refused with a note, and its stream reset', () => {
    const p = Pair.of();
    p.run(500_000);
    // the DTLS server may only open odd streams: an OPEN from it on even stream 4 is refused by the client
    p.server.association.send(p.now, 4, Ppid.DCEP, encodeDcep({ kind: 'DATA_CHANNEL_OPEN', channelType: 0, priority: 256, reliabilityParameter: 0, label: 'sneaky', protocol: '' }));
    p.pump(p.server);
    p.run(2_000_000);
    expect(p.kinds('datachannel.rejected')).toEqual([expect.stringMatching(/client: DATA_CHANNEL_OPEN on even stream 4 from the DTLS server/)]);
    expect(p.client.channels.size).toBe(0);
    expect(p.kinds('sctp.stream.reset').some((t) => t.startsWith('server: the peer reset its streams 4'))).toBe(true);
  });

  it('an OPEN for a stream whose channel is open changes nothing and is noted', () => {
    const p = Pair.of([{ at: 0, do: 'open', label: 'first' }]);
    p.run(500_000);
    p.client.association.send(p.now, 0, Ppid.DCEP, encodeDcep({ kind: 'DATA_CHANNEL_OPEN', channelType: 0x81, priority: 256, reliabilityParameter: 0, label: 'second', protocol: '' }));
    p.pump(p.client);
    p.run(2_000_000);
    expect(p.kinds('datachannel.rejected')).toEqual(['server: DATA_CHANNEL_OPEN for stream 0, already open as "first"']);
    expect(p.server.channels.get(0)!.label).toBe('first');
    expect(p.server.channels.get(0)!.state).toBe('open');
  });

  it('a garbled DCEP message and a user message on a stream with no channel are noted and dropped', () => {
    const p = Pair.of();
    p.run(500_000);
    p.client.association.send(p.now, 0, Ppid.DCEP, Uint8Array.of(3, 0, 0));
    p.client.association.send(p.now, 6, Ppid.STRING, new TextEncoder().encode('orphan'));
    p.pump(p.client);
    p.run(2_000_000);
    expect(p.kinds('sctp.malformed')).toEqual([expect.stringMatching(/^server: DCEP on stream 0: truncated/), 'server: message on stream 6, which has no open data channel; dropped']);
    expect(p.server.channels.size).toBe(0);
  });
});
