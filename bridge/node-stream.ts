// Node only: a ByteStream (sim/net/stream.ts) over a real TCP socket from node:net, so the simulator's HTTP client
// (sim/http) talks to a real server on loopback. Handlers run with the bridge's clock and are followed by `after`
// (the bridge's pump), as the simulator lets an endpoint act after a stream callback.
import { connect, type Socket } from 'node:net';
import type { ByteStream, ByteStreamHandlers } from '../sim/net/stream.ts';

export class NodeSocketStream implements ByteStream {
  handlers: ByteStreamHandlers = {};
  open = false;
  readonly label: string;
  private readonly socket: Socket;
  private closed = false;

  constructor(host: string, port: number, now: () => number, after: () => void = () => {}) {
    this.label = `tcp → ${host}:${port}`;
    this.socket = connect({ host, port, noDelay: true });
    const act = (f: () => void): void => {
      f();
      after();
    };
    this.socket.on('connect', () => act(() => {
      this.open = true;
      this.handlers.onOpen?.(now());
    }));
    this.socket.on('data', (b: Buffer) => act(() => this.handlers.onData?.(now(), new Uint8Array(b.buffer, b.byteOffset, b.byteLength).slice())));
    this.socket.on('end', () => act(() => this.handlers.onEnd?.(now())));
    this.socket.on('error', () => undefined); // reported by 'close'
    this.socket.on('close', (hadError) => act(() => {
      if (this.closed) return;
      this.closed = true;
      this.handlers.onClose?.(now(), hadError ? 'reset' : undefined);
    }));
  }

  write(_now: number, bytes: Uint8Array): void {
    if (!this.closed) this.socket.write(bytes);
  }

  end(_now: number): void {
    this.socket.end();
  }

  abort(_now: number): void {
    this.socket.destroy();
  }
}
