import { formatTransportAddress, sameTransportAddress, type TransportAddress } from '../core/endpoint.ts';
import type { NoteBody } from '../core/note.ts';
import type { Micros } from '../core/time.ts';
import type { TcpHost } from '../net/tcp-host.ts';
import { connectStream, listenStreams, type TcpStream } from '../net/tcp-stream.ts';
import { sipNote } from './notes.ts';
import { SipStreamFramer } from './stream-framing.ts';

/**
 * Where SIP's TCP connections come from: the simulated host's TcpHost (`tcpHostStreams`), or a bridge's stack behind
 * a TUN device (bridge/sip-tcp-run.ts), both giving TcpStreams.
 */
export interface SipStreamNet {
  readonly now: Micros;
  /** Passive open on `local`: each accepted connection's stream. */
  listen(local: TransportAddress, onStream: (stream: TcpStream) => void): void;
  /** Active open to `remote` from an ephemeral port of `localIp`. */
  connect(remote: TransportAddress, localIp: string): TcpStream;
}

/** A simulated host's TCP as SIP's stream source. */
export function tcpHostStreams(tcp: TcpHost): SipStreamNet {
  return {
    get now() {
      return tcp.now;
    },
    listen: (local, onStream) => void listenStreams(tcp, local.port, (stream) => onStream(stream), { ip: local.ip }),
    connect: (remote, localIp) => connectStream(tcp, remote, { ip: localIp }),
  };
}

interface Connection {
  readonly stream: TcpStream;
  readonly framer: SipStreamFramer;
  readonly remote: TransportAddress;
}

/**
 * SIP over TCP for one endpoint (RFC 3261 §18): it listens on its SIP address; a message to a peer goes on a
 * connection already open with that peer, whichever side opened it (so a response goes back on the connection its
 * request came in on, §18.2.2), else on a new one from an ephemeral port (§18.1.1). What arrives is framed by
 * Content-Length (stream-framing.ts) and handed to `deliver` with the connection's far end as the source; a stream
 * that cannot be framed is reset with a `sip.malformed` note; a CRLF CRLF ping is answered with a CRLF pong (RFC 5626
 * §4.4.1).
 */
export class SipTcpTransport {
  private readonly connections: Connection[] = [];
  opened = 0;
  accepted = 0;

  constructor(
    private readonly tcp: SipStreamNet,
    private readonly local: TransportAddress,
    private readonly deliver: (now: Micros, from: TransportAddress, bytes: Uint8Array) => void,
    private readonly note: (now: Micros, n: NoteBody) => void,
    /** Called after incoming bytes were handled (the driver pumps the endpoint's outputs). */
    private readonly after: () => void,
  ) {
    tcp.listen(local, (stream) => {
      this.accepted++;
      this.adopt(stream);
    });
  }

  /** Sends one message's bytes to `to` (the stack's transmit over TCP). */
  send(to: TransportAddress, bytes: Uint8Array): void {
    let c = this.connections.find((x) => sameTransportAddress(x.remote, to));
    if (!c) {
      this.opened++;
      c = this.adopt(this.tcp.connect(to, this.local.ip));
    }
    c.stream.write(this.tcp.now, bytes);
  }

  private adopt(stream: TcpStream): Connection {
    stream.connection.noDelay = true;
    const c: Connection = { stream, framer: new SipStreamFramer(), remote: stream.remote };
    this.connections.push(c);
    stream.handlers = {
      onData: (now, bytes) => {
        for (const f of c.framer.push(bytes)) {
          if (f.type === 'message') this.deliver(now, c.remote, f.bytes);
          else if (f.type === 'ping') stream.write(now, new Uint8Array([0x0d, 0x0a]));
          else {
            this.note(now, sipNote('sip.malformed', `reset the TCP connection from ${formatTransportAddress(c.remote)}: ${f.reason}`, { from: formatTransportAddress(c.remote), reason: f.reason }));
            stream.abort(now);
          }
        }
        this.after();
      },
      onEnd: (now) => stream.end(now),
      onClose: () => {
        const i = this.connections.indexOf(c);
        if (i >= 0) this.connections.splice(i, 1);
      },
    };
    return c;
  }
}
