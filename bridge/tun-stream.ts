// Node only: a TCP connection of a TunTcpBridge's stack as a ByteStream (sim/net/stream.ts), so stream protocols
// (TLS, HTTP, WebSocket …) run over the bridge against the Linux kernel and the programs on it. The simulator's own
// adapter is sim/net/tcp-stream.ts (for a TcpHost); the same TcpStream runs here on the bridge's bare TcpStack.
import { TcpStream, type TcpStackRunner } from '../sim/net/tcp-stream.ts';
import type { TcpConnection } from '../sim/tcp/connection.ts';
import type { StackEvent, TcpListener } from '../sim/tcp/stack.ts';
import type { TunTcpBridge } from './tun-tcp.ts';

/** Routes a bridge's stack events to streams: give `event` as the bridge's onEvent. */
export class TunStreams {
  private readonly streams = new Map<TcpConnection, TcpStream>();
  private readonly listeners = new Map<TcpListener, (s: TcpStream) => void>();
  bridge!: TunTcpBridge;

  private get runner(): TcpStackRunner {
    const bridge = this.bridge;
    return {
      get now() {
        return bridge.now();
      },
      act(fn) {
        fn();
        bridge.pump();
      },
    };
  }

  readonly event = (e: StackEvent): void => {
    if (e.type === 'incoming') {
      const onStream = this.listeners.get(e.listener);
      for (let c = e.listener.accept(); c && onStream; c = e.listener.accept()) {
        const s = new TcpStream(this.runner, c);
        this.streams.set(c, s);
        onStream(s);
        s.accepted(this.bridge.now());
      }
      return;
    }
    this.streams.get(e.connection)?.dispatch(e, this.bridge.now());
    if (e.type === 'closed') this.streams.delete(e.connection);
  };

  connect(local: string, remote: { ip: string; port: number }): TcpStream {
    const c = this.bridge.stack.connect(this.bridge.now(), { ip: local, port: 0 }, remote);
    const s = new TcpStream(this.runner, c);
    this.streams.set(c, s);
    this.bridge.pump();
    return s;
  }

  listen(ip: string, port: number, onStream: (s: TcpStream) => void): void {
    const l = this.bridge.stack.listen({ ip, port });
    this.listeners.set(l, onStream);
    this.bridge.pump();
  }
}
