import type { DissectedPacket } from '../sim/dissect/types.ts';
import type { FollowKind, FollowResult } from '../sim/dissect/follow/follow.ts';
import type { KeyLogFile } from './model/capture-load.ts';
import type { KeyLogReport } from './model/decryption-watch.ts';
import type { LabelOverrides } from './model/label-overrides.ts';
import type { PackedTrace } from './model/packed.ts';
import type { Relation } from './model/relations.ts';
import type { SrtpStreamTable } from './model/srtp-streams.ts';
import type { StatsReport } from '../sim/stats/report.ts';
import type { ImportedSeries } from '../sim/stats/import/align.ts';
import type { TraceViews } from './model/views-pass.ts';

/** Messages between the main thread and the simulation worker (viz/worker.ts). Every request carries an id. */
export type Request =
  | { type: 'run'; id: number; scenario: string | Record<string, unknown>; seed?: number }
  /** A pcap/pcapng, with a key log file opened together with it (or waiting for it). */
  | { type: 'capture'; id: number; name: string; bytes: ArrayBuffer; keyLog?: KeyLogFile }
  /** Dissects the loaded capture again with this key log (dropped after the capture). */
  | { type: 'rekey'; id: number; keyLog: KeyLogFile }
  /** One hop of a capture with keys, dissected with the state of its flow (decrypted), for the packet detail. */
  | { type: 'keyed-packet'; id: number; hop: number }
  | { type: 'trace-json'; id: number; name: string; text: string }
  | { type: 'synthetic'; id: number; hops: number }
  /** The list's filters; `display` is a display filter (docs/display-filters.md), empty for none. */
  | { type: 'filter'; id: number; proto: number; host: string; text: string; display: string }
  /** Follow stream: the conversation of a hop (docs/display-filters.md "Follow stream"). */
  | { type: 'follow'; id: number; hop: number; kind: FollowKind | 'auto' }
  /** A packet list column: a display filter field's text for every hop. */
  | { type: 'column'; id: number; field: string }
  | { type: 'pcapng'; id: number }
  /** The trace's NSS key log (the lines the pcapng export puts in its Decryption Secrets Block). */
  | { type: 'keylog'; id: number }
  /** Per-stream SRTP/SRTCP counters over time (computed on first request for a simulated trace). */
  | { type: 'srtp-streams'; id: number }
  /** Cause-and-effect links of the current trace (model/relations.ts), computed on first request. */
  | { type: 'relations'; id: number }
  /** The hops whose keyed, stateful summary says more than the list's keyless one (model/label-overrides.ts). */
  | { type: 'label-overrides'; id: number }
  /** Statistics from the packets (sim/stats): per stream and candidate pair, in buckets of `bucketMs`. */
  | { type: 'stats'; id: number; bucketMs: number }
  /** The analysis panel's views: SDP exchanges side by side (model/views-pass.ts), computed on first request. */
  | { type: 'views'; id: number };

export type Response =
  | { type: 'trace'; id: number; packed: PackedTrace; scenario?: Record<string, unknown>; label: string; ms: number; warnings?: readonly string[]; keys?: KeyLogReport }
  | { type: 'keyed-packet'; id: number; hop: number; packet: DissectedPacket | undefined }
  | { type: 'srtp-streams'; id: number; table: SrtpStreamTable | undefined }
  | { type: 'relations'; id: number; relations: Relation[] }
  | { type: 'label-overrides'; id: number; overrides: LabelOverrides }
  | { type: 'stats'; id: number; report: StatsReport | undefined }
  | { type: 'views'; id: number; views: TraceViews | undefined }
  /** A webrtc-internals dump or getStats JSON dropped beside the loaded trace: its series on the trace's axis. */
  | { type: 'imported'; id: number; name: string; series: ImportedSeries[]; alignment: string; /** session descriptions read from a webrtc-internals updateLog */ descriptions: number }
  | { type: 'progress'; id: number; done: number; total: number; what: string }
  /** `error`: the display filter cannot be read (the list keeps its rows); its column and length in the filter. */
  | { type: 'filtered'; id: number; indices: Int32Array | null; error?: { message: string; pos: number; len: number } }
  | { type: 'column'; id: number; field: string; values: string[] }
  | { type: 'follow'; id: number; result: FollowResult | { error: string } }
  | { type: 'file'; id: number; bytes: Uint8Array; name: string }
  | { type: 'error'; id: number; message: string };
