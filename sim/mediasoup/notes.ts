import { noteMaker, type KindSet, type NotesOf } from '../core/note.ts';

type Str = string;

/**
 * The notes of the mediasoup-style server (source `<host>/mediasoup-server`) and its clients (`<host>/mediasoup-client`,
 * `<host>/pion-client`): the model's objects as they are made (worker, router, transport, producer, consumer), each
 * protoo request and its answer, peers joining and leaving, and `mediasoup.path`, one note per step of the worker's
 * own receive path (the seed document's call graph) with the C++ function in `step`.
 */
export type MediasoupNoteKinds = {
  'mediasoup.worker.created': { readonly worker: Str; readonly routers: number };
  'mediasoup.router.created': { readonly router: Str; readonly worker: Str; readonly room: Str };
  'mediasoup.peer.joined': { readonly room: Str; readonly peer: Str; readonly peers: number };
  'mediasoup.peer.closed': { readonly room: Str; readonly peer: Str; readonly reason: Str };
  /** A request handled: its method, and the answer (`ok`, else `errorCode` and `errorReason`). */
  'mediasoup.request': { readonly room: Str; readonly peer: Str; readonly method: Str; readonly id: number; readonly ok: boolean; readonly errorCode?: number; readonly errorReason?: Str };
  /** A message on a protoo connection that is not protoo (not JSON, no request/response/notification shape). */
  'mediasoup.protoo.invalid': { readonly connection: Str; readonly error: Str };
  'mediasoup.transport.created': { readonly transport: Str; readonly router: Str; readonly peer: Str; readonly local: Str; readonly announced: Str; readonly protocol: Str; readonly direction: Str };
  'mediasoup.transport.connected': { readonly transport: Str; readonly peer: Str; readonly remoteRole: Str; readonly role: Str };
  'mediasoup.transport.closed': { readonly transport: Str; readonly peer: Str };
  /** One step of the worker's receive path; `step` is mediasoup's function (WebRtcTransport::OnUdpSocketPacketReceived, …). */
  'mediasoup.path': { readonly transport: Str; readonly step: Str; readonly [fact: string]: string | number | boolean };
  'mediasoup.producer.created': { readonly producer: Str; readonly peer: Str; readonly kind: Str; readonly ssrc: number; readonly transport: Str };
  'mediasoup.producer.paused': { readonly producer: Str; readonly peer: Str; readonly paused: boolean };
  'mediasoup.producer.closed': { readonly producer: Str; readonly peer: Str; readonly consumers: number };
  'mediasoup.consumer.created': { readonly consumer: Str; readonly producer: Str; readonly peer: Str; readonly kind: Str; readonly ssrc: number; readonly transport: Str };
  'mediasoup.consumer.resumed': { readonly consumer: Str; readonly peer: Str };
  'mediasoup.consumer.closed': { readonly consumer: Str; readonly peer: Str; readonly reason: Str };
  'mediasoup.dataproducer.created': { readonly dataProducer: Str; readonly peer: Str; readonly label: Str; readonly streamId: number; readonly transport: Str };
  'mediasoup.dataproducer.closed': { readonly dataProducer: Str; readonly peer: Str; readonly dataConsumers: number };
  'mediasoup.dataconsumer.created': { readonly dataConsumer: Str; readonly dataProducer: Str; readonly peer: Str; readonly streamId: number; readonly transport: Str };
  'mediasoup.dataconsumer.failed': { readonly dataProducer: Str; readonly peer: Str; readonly reason: Str };
  'mediasoup.dataconsumer.closed': { readonly dataConsumer: Str; readonly peer: Str; readonly reason: Str };
  /** A client's step: a request answered, a notification or server request taken, a description applied. */
  'mediasoup-client.step': { readonly method: Str; readonly [fact: string]: string | number | boolean };
  'mediasoup-client.error': { readonly method: Str; readonly errorCode: number; readonly errorReason: Str };
  /** The SDP a browser-like client built from the server's parameters (the remote answer or offer), and its own. */
  'mediasoup-client.sdp': { readonly transport: Str; readonly direction: Str; readonly type: Str; readonly sdp: Str };
  'pion-client.step': { readonly step: Str; readonly [fact: string]: string | number | boolean };
  'pion-client.error': { readonly method: Str; readonly errorCode: number; readonly errorReason: Str };
  /** A PlainTransport's remote tuple (RTP or RTCP): learned from the first packet (comedia) or given by connect(). */
  'mediasoup.plain.tuple': { readonly transport: Str; readonly which: Str; readonly remote: Str; readonly how: Str };
  /** What a PlainTransport dropped: a packet from another tuple, before any remote, or failing SRTP (first of each reason). */
  'mediasoup.plain.dropped': { readonly transport: Str; readonly from: Str; readonly reason: Str };
  /** The ffmpeg-like broadcaster's steps (the demo's broadcaster scripts: curl requests, then ffmpeg). */
  'mediasoup-broadcaster.step': { readonly step: Str; readonly [fact: string]: string | number | boolean };
  'mediasoup-broadcaster.error': { readonly method: Str; readonly errorCode: number; readonly errorReason: Str };
  /** pipeToRouter to another server's router: a step of setting the pipe up, or a producer piped. */
  'mediasoup.pipe': { readonly room: Str; readonly to: Str; readonly step: Str; readonly ok: boolean };
  /** The ffmpeg-like receiver of a plain consumer: join, createPlainTransport, connect, consume, resume. */
  'mediasoup-receiver.step': { readonly step: Str; readonly [fact: string]: string | number | boolean };
  'mediasoup-receiver.error': { readonly method: Str; readonly errorCode: number; readonly errorReason: Str };
};

export type MediasoupNote = NotesOf<MediasoupNoteKinds>;
export const mediasoupNote = noteMaker<MediasoupNoteKinds>();
export const MEDIASOUP_NOTE_KINDS = {
  'mediasoup.worker.created': true,
  'mediasoup.router.created': true,
  'mediasoup.peer.joined': true,
  'mediasoup.peer.closed': true,
  'mediasoup.request': true,
  'mediasoup.protoo.invalid': true,
  'mediasoup.transport.created': true,
  'mediasoup.transport.connected': true,
  'mediasoup.transport.closed': true,
  'mediasoup.path': true,
  'mediasoup.producer.created': true,
  'mediasoup.producer.paused': true,
  'mediasoup.producer.closed': true,
  'mediasoup.consumer.created': true,
  'mediasoup.consumer.resumed': true,
  'mediasoup.consumer.closed': true,
  'mediasoup.dataproducer.created': true,
  'mediasoup.dataproducer.closed': true,
  'mediasoup.dataconsumer.created': true,
  'mediasoup.dataconsumer.failed': true,
  'mediasoup.dataconsumer.closed': true,
  'mediasoup-client.step': true,
  'mediasoup-client.error': true,
  'mediasoup-client.sdp': true,
  'pion-client.step': true,
  'pion-client.error': true,
  'mediasoup.plain.tuple': true,
  'mediasoup.plain.dropped': true,
  'mediasoup-broadcaster.step': true,
  'mediasoup-broadcaster.error': true,
  'mediasoup.pipe': true,
  'mediasoup-receiver.step': true,
  'mediasoup-receiver.error': true,
} as const satisfies KindSet<MediasoupNoteKinds>;
