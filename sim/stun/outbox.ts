import type { EndpointOutput, Transport, TransportAddress } from '../core/endpoint.ts';
import type { NoteBody } from '../core/note.ts';
import type { JsonValue } from '../core/trace.ts';

/** The queue of outputs a sans-IO endpoint hands its driver through `poll`: transmits and notes, in order. */
export class Outbox {
  private readonly queue: EndpointOutput[] = [];

  /** `transport` 'tcp': the bytes go on the stream between `from` and `to` (a TURN server's answer to a TCP client). */
  transmit(from: TransportAddress, to: TransportAddress, bytes: Uint8Array, transport?: Transport): void {
    this.queue.push(transport === 'tcp' ? { type: 'transmit', from, to, bytes, transport } : { type: 'transmit', from, to, bytes });
  }

  /** Queues a note built by a folder's emit helper (`stunNote(kind, text, data)`, sim/core/note.ts). */
  note(n: NoteBody): void {
    this.queue.push({ type: 'note', kind: n.kind, text: n.text, ...(n.data ? { data: n.data } : {}) });
  }

  /** The next queued output, or undefined when the endpoint should report its deadline. */
  next(): EndpointOutput | undefined {
    return this.queue.shift();
  }

  get size(): number {
    return this.queue.length;
  }
}
