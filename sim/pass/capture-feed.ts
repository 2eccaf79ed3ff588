import type { Micros } from '../core/time.ts';
import type { DissectedPacket } from '../dissect/types.ts';
import type { Capture, CaptureEvent, CapturePacket } from '../wire/pcap/capture.ts';
import type { DissectionPass, PassHop } from './pass.ts';

/** What a capture's consumer sees beside the pass's observers: each packet with its dissection, as it is framed. */
export interface CaptureFeedHooks {
  packet?(p: DissectedPacket, raw: CapturePacket, hop: PassHop): void;
  /** A Decryption Secrets Block's key log text, after the pass has taken it. */
  secret?(text: string): void;
}

/**
 * A capture as the pass takes it, event by event from the streaming reader (or from a capture in memory): times
 * relative to the first timestamped packet (a packet without a timestamp keeps the last time), one vantage point per
 * interface when there are several (our exports: one interface per link), and each Decryption Secrets Block's keys
 * from the packet that follows it (pcapng §4.7). The one capture loop of `rtclab dissect`, `--summary`, the
 * inference's `analyzeCapture` and the visualizer's capture load.
 */
export class CaptureFeed {
  /** Interface names, in the order their descriptions were read ("if<N>" for an unnamed one). */
  readonly interfaces: string[] = [];
  private origin: Micros | undefined;
  private lastT: Micros = 0;

  constructor(
    readonly pass: DissectionPass,
    private readonly hooks: CaptureFeedHooks = {},
  ) {}

  /** One reader event; events other than interfaces, secrets and packets are the caller's. */
  event(e: CaptureEvent): void {
    if (e.kind === 'packet') this.packet(e.packet);
    else if (e.kind === 'interface') this.interfaces.push(e.iface.name ?? `if${this.interfaces.length}`);
    else if (e.kind === 'secret' && e.secret.text) this.secret(e.secret.text);
  }

  secret(text: string): void {
    this.pass.addKeyLog(text);
    this.hooks.secret?.(text);
  }

  packet(raw: CapturePacket): DissectedPacket {
    const us = raw.time?.us;
    if (this.origin === undefined && us !== undefined) this.origin = us;
    const t = us !== undefined && this.origin !== undefined ? us - this.origin : this.lastT;
    this.lastT = t;
    const vantage = this.interfaces.length > 1 ? (this.interfaces[raw.interfaceId] ?? `if${raw.interfaceId}`) : undefined;
    // one object shape for every hop (no conditional spread: V8's slow path on a per-packet object)
    const hop: PassHop = { bytes: raw.data, index: raw.index, t, linkType: raw.linkType, link: raw.link, vantage };
    const p = this.pass.hop(hop);
    this.hooks.packet?.(p, raw, hop);
    return p;
  }

  /** A capture read whole: its interfaces, then its packets with each secret applied before the packet it precedes. */
  all(capture: Capture): void {
    for (const i of capture.interfaces) this.interfaces.push(i.name ?? `if${this.interfaces.length}`);
    let secret = 0;
    for (const raw of capture.packets) {
      while (secret < capture.secrets.length && capture.secrets[secret]!.beforePacket <= raw.index) {
        const text = capture.secrets[secret++]!.text;
        if (text) this.secret(text);
      }
      this.packet(raw);
    }
  }
}
