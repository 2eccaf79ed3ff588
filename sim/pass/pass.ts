import type { Micros } from '../core/time.ts';
import { Dissector, type DissectorOptions } from '../dissect/dissector.ts';
import type { DissectedPacket } from '../dissect/types.ts';
import type { LinkLayer } from '../wire/pcap/link-layer.ts';

/**
 * One hop as the pass takes it: a simulated trace's hop (a raw IP datagram on one link) or a captured frame (with
 * its link type), in the order it was recorded or captured.
 */
export interface PassHop {
  readonly bytes: Uint8Array;
  /** Its number in the trace or capture (0-based): what notes and relations point back at. */
  readonly index: number;
  /** µs from the start of the trace or capture. */
  readonly t: Micros;
  /** Set for a captured frame: its link type (pcap LINKTYPE_*); absent for a raw IP datagram. */
  readonly linkType?: number;
  /** The frame's link layer as the capture reader decoded it: saves decoding it twice. */
  readonly link?: LinkLayer;
  /**
   * Where it was seen (a link or capture interface name) when there are several vantage points; absent with one.
   * A datagram crossing several links is one datagram seen several times, not replays (FlowTable.vantage).
   */
  readonly vantage?: string | undefined;
}

/**
 * What plugs into the pass: inference (ICE, DTLS, TURN, NAT ties, streams), the visualizer's collectors (keyed
 * labels, SRTP counters, decryption outcomes). Each hop's dissection is handed to every observer in the order they
 * were added; none may keep the packet's layers beyond what it needs (a packet list of millions).
 */
export interface PassObserver {
  hop(p: DissectedPacket, h: PassHop): void;
  /** After the last hop, with its time. */
  finish?(lastT: Micros): void;
}

export interface PassOptions extends DissectorOptions {
  /** Key log texts applied before the first hop, in order (a file's, then others'). */
  readonly keyLogs?: readonly string[];
}

/**
 * The one dissection pass: every hop dissected once, in order, with the flow state and keys of the hops before it
 * (IP reassembly, TCP streams, DTLS handshakes, SRTP keys derived through the exporter), each answer handed to the
 * observers. `rtclab dissect` (the packet list, `--json`, `--summary`), the visualizer's worker (simulated traces and
 * loaded captures) and the dissect benchmark all drive it. Streaming: a capture is fed as it is framed.
 */
export class DissectionPass {
  readonly dissector: Dissector;
  /** Every key log text used, in the order applied (a file's, then each Decryption Secrets Block's). */
  readonly keyLogs: string[] = [];
  private readonly observers: PassObserver[] = [];
  /** Hops dissected so far. */
  count = 0;
  /** The last hop's time (µs). */
  lastT: Micros = 0;

  constructor(options: PassOptions = {}, observers: readonly PassObserver[] = []) {
    const { keyLogs, ...dissector } = options;
    this.dissector = new Dissector(dissector);
    if (dissector.keyLog) this.keyLogs.push(dissector.keyLog);
    for (const k of keyLogs ?? []) this.addKeyLog(k);
    this.observers.push(...observers);
  }

  /** Adds an observer for the hops from now on. */
  observe(o: PassObserver): this {
    this.observers.push(o);
    return this;
  }

  /** NSS key log lines (a file, or a pcapng Decryption Secrets Block): used from the next hop on. */
  addKeyLog(text: string): number {
    this.keyLogs.push(text);
    return this.dissector.addKeyLog(text);
  }

  /** Dissects one hop with the state of those before it and hands it to every observer. */
  hop(h: PassHop): DissectedPacket {
    const p = this.dissector.packet(h.bytes, h);
    this.count++;
    this.lastT = h.t;
    const obs = this.observers;
    for (let i = 0; i < obs.length; i++) obs[i]!.hop(p, h);
    return p;
  }

  /** After the last hop: what stream state left unresolved (TCP gaps, unfinished messages); observers finish. */
  finish(): { problems: string[] } {
    const out = this.dissector.finish();
    for (const o of this.observers) o.finish?.(this.lastT);
    return out;
  }
}
