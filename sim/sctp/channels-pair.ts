// Two DataChannels (a DTLS client's and a server's) joined by a 20 ms pipe, for the data channel tests.
import { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import { DataChannels, type DataChannelAction, type MessageSizeLimits } from './datachannels.ts';

/** A DTLS client and server's data channels joined by a 20 ms pipe, run by a tiny deterministic loop. */
export class ChannelsPair {
  now: Micros = 0;
  readonly notes: { who: string; kind: string; text: string }[] = [];
  private transit: { at: Micros; to: DataChannels; bytes: Uint8Array }[] = [];
  private wake = new Map<DataChannels, Micros>();
  constructor(
    readonly client: DataChannels,
    readonly server: DataChannels,
  ) {}
  static of(client: DataChannelAction[] = [], server: DataChannelAction[] = [], limits: { client?: MessageSizeLimits; server?: MessageSizeLimits } = {}): ChannelsPair {
    const rng = Rng.fromSeed(3);
    return new ChannelsPair(new DataChannels('client', rng.fork('c'), 'client', client, limits.client), new DataChannels('server', rng.fork('s'), 'server', server, limits.server));
  }
  pump(x: DataChannels): void {
    for (;;) {
      const o = x.poll(this.now);
      if (o.type === 'transmit') this.transit.push({ at: this.now + 20_000, to: x === this.client ? this.server : this.client, bytes: o.bytes });
      else if (o.type === 'note') this.notes.push({ who: x.name, kind: o.kind, text: o.text });
      else {
        if (o.type === 'timeout') this.wake.set(x, o.at);
        else this.wake.delete(x);
        return;
      }
    }
  }
  run(until: Micros): void {
    this.pump(this.client);
    this.pump(this.server);
    for (let i = 0; i < 100_000; i++) {
      const p = this.transit.reduce<(typeof this.transit)[number] | undefined>((b, x) => (!b || x.at < b.at ? x : b), undefined);
      let w: [DataChannels, Micros] | undefined;
      for (const e of this.wake) if (!w || e[1] < w[1]) w = e;
      const next = Math.min(p?.at ?? Infinity, w?.[1] ?? Infinity);
      if (next > until) return void (this.now = until);
      this.now = next;
      if (p && p.at === next) {
        this.transit.splice(this.transit.indexOf(p), 1);
        p.to.handlePacket(this.now, p.bytes);
        this.pump(p.to);
      } else if (w) {
        this.wake.delete(w[0]);
        w[0].handleTimeout(this.now);
        this.pump(w[0]);
      }
    }
  }
  kinds(kind: string): string[] {
    return this.notes.filter((n) => n.kind === kind).map((n) => n.text);
  }
}
