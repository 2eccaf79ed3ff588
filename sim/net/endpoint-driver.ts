import { netNote } from './notes.ts';
import { formatTransportAddress, type Endpoint, type TransportAddress } from '../core/endpoint.ts';
import type { Timer } from '../core/scheduler.ts';
import type { Host, UdpSocket } from './host.ts';
import type { Network } from './network.ts';

/**
 * Drives a sans-IO endpoint on a simulated host: datagrams arriving on its sockets feed `handleDatagram`, its
 * deadline becomes a scheduler timer feeding `handleTimeout`, and after every input `poll` is drained:
 * transmits go out of the host's sockets, notes and secrets go into the trace under `source`.
 */
export class EndpointDriver {
  private timer: Timer | undefined;
  private readonly sockets: UdpSocket[] = [];
  /** The reason of the endpoint's current deadline, for panels. */
  pendingReason: string | undefined;

  constructor(
    private readonly net: Network,
    readonly host: Host,
    readonly endpoint: Endpoint,
    /** Trace source name for its notes, e.g. "alice/ice". */
    readonly source: string,
  ) {}

  /** Opens a UDP socket whose datagrams are handed to the endpoint; returns the bound address. */
  bind(ip: string, port = 0): TransportAddress {
    const s = this.host.bindUdp(ip, port);
    s.onDatagram((from, to, payload) => {
      this.endpoint.handleDatagram(this.net.now, from, to, payload, 'udp');
      this.pump();
    });
    this.sockets.push(s);
    return s.local;
  }

  /** Whether a socket is already bound at exactly this address. */
  bound(a: TransportAddress): boolean {
    return this.sockets.some((s) => s.ip === a.ip && s.port === a.port);
  }

  /** Lets the endpoint act at the current time (call once after construction, and after external calls). */
  pump(): void {
    const now = this.net.now;
    for (let i = 0; ; i++) {
      if (i > 100_000) throw new Error(`${this.source}: poll() produced more than 100000 outputs at ${now}µs without a timeout`);
      const out = this.endpoint.poll(now);
      switch (out.type) {
        case 'transmit': {
          const s = this.socketFor(out.from);
          if (!s) {
            this.net.note(this.source, netNote('endpoint.error', `${this.source} tried to send from ${formatTransportAddress(out.from)}, which it has not bound`));
          } else {
            s.send(out.to, out.bytes, s.ip === out.from.ip ? undefined : out.from.ip);
          }
          break;
        }
        case 'note':
          this.net.note(this.source, out);
          break;
        case 'secret':
          this.net.trace.secret({ t: now, kind: out.kind, source: this.source, text: out.text });
          break;
        case 'timeout':
          this.arm(out.at, out.reason);
          return;
        case 'idle':
          this.timer?.cancel();
          this.timer = undefined;
          this.pendingReason = undefined;
          return;
      }
    }
  }

  private arm(at: number, reason: string): void {
    if (this.timer && !this.timer.cancelled && this.timer.at === at && this.timer.reason === reason) return;
    this.timer?.cancel();
    this.pendingReason = reason;
    this.timer = this.net.scheduler.at(at, reason, () => {
      this.timer = undefined;
      this.endpoint.handleTimeout(this.net.now);
      this.pump();
    });
  }

  private socketFor(from: TransportAddress): UdpSocket | undefined {
    return (
      this.sockets.find((s) => s.port === from.port && s.ip === from.ip) ??
      this.sockets.find((s) => s.port === from.port && (s.ip === '0.0.0.0' || s.ip === '::'))
    );
  }
}
