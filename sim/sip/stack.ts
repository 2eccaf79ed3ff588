import { formatTransportAddress, sameTransportAddress, type EndpointOutput, type TransportAddress } from '../core/endpoint.ts';
import type { Micros } from '../core/time.ts';
import { MS, SECOND } from '../core/time.ts';
import { parseCSeq, parseNameAddr, parseVia } from '../wire/sip/headers.ts';
import { decodeSipMessage, encodeSipMessage, isSipKeepAlive, sipHeader, sipHeaderValues, type SipMessage } from '../wire/sip/message.ts';
import { sipNote } from './notes.ts';
import { buildRequest, stampVia } from './build.ts';

/** RFC 3261 §17.1.1.1 timer values (Table 4): RTT estimate, the longest retransmit interval, how long a message lives. */
export const T1: Micros = 500 * MS;
export const T2: Micros = 4 * SECOND;
export const T4: Micros = 5 * SECOND;

/** What a client transaction hands its user (the UA core). */
export interface ClientTransactionUser {
  response(now: Micros, res: SipMessage): void;
  /** Timer B or F fired (RFC 3261 §17.1.1.2, §17.1.2.2): the transaction user sees a 408. */
  timeout(now: Micros, timer: string): void;
}

/** What the transport layer hands the UA core: requests (each with its server transaction) and ACKs for 2xx. */
export interface SipCore {
  request(now: Micros, req: SipMessage, tx: ServerTransaction): void;
  /** An ACK for a 2xx (no transaction: RFC 3261 §17.1.1.3, it goes to the core, §13.3.1.4). */
  ack(now: Micros, req: SipMessage, from: TransportAddress): void;
  /** A 2xx retransmission for an INVITE whose client transaction has ended (§13.2.2.4: ACK it again). */
  strayResponse?(now: Micros, res: SipMessage): void;
}

type Timer = { at: Micros; reason: string; fire: (now: Micros) => void };

export class ClientTransaction {
  state: 'calling' | 'trying' | 'proceeding' | 'completed' | 'terminated';
  readonly invite: boolean;
  readonly branch: string;
  /** The last response received. */
  last: SipMessage | undefined;
  private readonly bytes: Uint8Array;
  interval: Micros = T1;

  constructor(
    readonly request: SipMessage,
    readonly to: TransportAddress,
    readonly user: ClientTransactionUser,
  ) {
    this.invite = request.start.kind === 'request' && request.start.method === 'INVITE';
    this.state = this.invite ? 'calling' : 'trying';
    const via = parseVia(sipHeaderValues(request, 'Via')[0] ?? '');
    this.branch = typeof via === 'string' ? '' : (via.branch ?? '');
    this.bytes = encodeSipMessage(request);
  }

  get method(): string {
    return this.request.start.kind === 'request' ? this.request.start.method : '';
  }

  wire(): Uint8Array {
    return this.bytes;
  }
}

export class ServerTransaction {
  state: 'trying' | 'proceeding' | 'completed' | 'confirmed' | 'terminated';
  readonly invite: boolean;
  /** The last response sent (retransmitted when the request comes again, §17.2.1, §17.2.2). */
  lastBytes: Uint8Array | undefined;
  lastStatus = 0;
  interval: Micros = T1;

  constructor(
    readonly key: string,
    /** The request as received, its top Via stamped with received/rport (§18.2.1, RFC 3581). */
    readonly request: SipMessage,
    readonly source: TransportAddress,
  ) {
    this.invite = request.start.kind === 'request' && request.start.method === 'INVITE';
    this.state = this.invite ? 'proceeding' : 'trying';
  }
}

/**
 * The SIP transaction layer over UDP (RFC 3261 §17) for one local address, sans-IO: client INVITE transactions
 * (Timer A retransmits from T1 doubling, Timer B gives up at 64·T1, a non-2xx final is ACKed inside the
 * transaction and absorbed for Timer D = 32 s), client non-INVITE (Timer E from T1 doubling to T2, T2 once
 * provisional, Timer F at 64·T1, Timer K = T4), server INVITE (Timer G retransmits a non-2xx final until its ACK,
 * Timer H = 64·T1, Timer I = T4 absorbs ACK copies) and server non-INVITE (a retransmitted request gets the last
 * response again, Timer J = 64·T1). The UA core above retransmits its own 2xx until the ACK (§13.3.1.4: `sendOk`).
 */
export class SipTransactionLayer {
  private readonly clients = new Map<string, ClientTransaction>();
  private readonly servers = new Map<string, ServerTransaction>();
  private readonly timers = new Map<string, Timer>();
  readonly out: EndpointOutput[] = [];
  private timerSeq = 0;
  /** Counters for the summary. */
  sent = 0;
  received = 0;
  retransmissions = 0;
  malformed = 0;

  /** The transport its requests name in Via and its messages use: UDP datagrams, or TCP streams (RFC 3261 §18). */
  readonly transport: 'UDP' | 'TCP';
  /** Over TCP: hands a message's bytes to the connection towards `to` (reusing one that is open, §18.1.1, §18.2.2). */
  private readonly streamSend: ((to: TransportAddress, bytes: Uint8Array) => void) | undefined;

  constructor(
    readonly local: TransportAddress,
    private readonly core: SipCore,
    stream?: { readonly send: (to: TransportAddress, bytes: Uint8Array) => void },
  ) {
    this.transport = stream ? 'TCP' : 'UDP';
    this.streamSend = stream ? (to, bytes) => stream.send(to, bytes) : undefined;
  }

  /** §17.1.1.2, §17.1.2.2, §17.2.1, §17.2.2: over a reliable transport nothing is retransmitted and D, K, I, J are 0. */
  get reliable(): boolean {
    return this.transport !== 'UDP';
  }

  /** Starts a client transaction (RFC 3261 §17.1): sends the request now and arms Timer A/E and B/F. */
  send(now: Micros, req: SipMessage, to: TransportAddress, user: ClientTransactionUser): ClientTransaction {
    const tx = new ClientTransaction(req, to, user);
    const key = `${tx.branch}|${tx.method}`;
    this.clients.set(key, tx);
    this.transmit(to, tx.wire());
    const retransmit = tx.invite ? 'A' : 'E';
    const arm = (at: Micros): void => {
      if (this.reliable) return; // §17.1.1.2, §17.1.2.2: no Timer A or E over a reliable transport
      this.setTimer(`c:${key}:${retransmit}`, at, `SIP Timer ${retransmit}: retransmit ${tx.method} (${tx.interval / MS} ms)`, (t) => {
        if (tx.state !== (tx.invite ? 'calling' : 'trying') && !(tx.state === 'proceeding' && !tx.invite)) return;
        this.retransmissions++;
        this.transmit(to, tx.wire());
        // §17.1.1.2: A doubles every time; §17.1.2.2: E doubles up to T2, and is T2 once a provisional came
        tx.interval = tx.invite ? tx.interval * 2 : tx.state === 'proceeding' ? T2 : Math.min(tx.interval * 2, T2);
        arm(t + tx.interval);
      });
    };
    arm(now + T1);
    const giveUp = tx.invite ? 'B' : 'F';
    this.setTimer(`c:${key}:${giveUp}`, now + 64 * T1, `SIP Timer ${giveUp}: ${tx.method} transaction timeout (64·T1 = 32 s)`, (t) => {
      if (tx.state === 'completed' || tx.state === 'terminated') return;
      this.endClient(key, tx);
      this.out.push({ type: 'note', ...sipNote('sip.timeout', `${tx.method} to ${formatTransportAddress(to)} got no final response: Timer ${giveUp} fired after 32 s (RFC 3261 §17.1)`, { method: tx.method, timer: giveUp, to: formatTransportAddress(to) }) });
      tx.user.timeout(t, giveUp);
    });
    return tx;
  }

  /** Sends a response in a server transaction (RFC 3261 §17.2), arming G/H, or J, as the state machine says. */
  respond(now: Micros, tx: ServerTransaction, res: SipMessage): void {
    if (tx.state === 'terminated' || tx.state === 'completed' || tx.state === 'confirmed') return;
    const status = res.start.kind === 'response' ? res.start.status : 0;
    const bytes = encodeSipMessage(res);
    tx.lastBytes = bytes;
    tx.lastStatus = status;
    this.transmit(tx.source, bytes);
    if (status < 200) {
      if (tx.state === 'trying') tx.state = 'proceeding';
      return;
    }
    if (tx.invite && status < 300) {
      // §17.2.1: a 2xx ends the INVITE server transaction; the core retransmits it (§13.3.1.4)
      tx.state = 'terminated';
      this.servers.delete(tx.key);
      return;
    }
    tx.state = 'completed';
    if (tx.invite) {
      const arm = (at: Micros): void => {
        if (this.reliable) return; // §17.2.1: Timer G only for unreliable transports
        this.setTimer(`s:${tx.key}:G`, at, `SIP Timer G: retransmit ${status} until ACK (${tx.interval / MS} ms)`, (t) => {
          if (tx.state !== 'completed') return;
          this.retransmissions++;
          this.transmit(tx.source, bytes);
          tx.interval = Math.min(tx.interval * 2, T2);
          arm(t + tx.interval);
        });
      };
      arm(now + T1);
      this.setTimer(`s:${tx.key}:H`, now + 64 * T1, `SIP Timer H: wait for ACK of ${status} (64·T1 = 32 s)`, () => {
        if (tx.state !== 'completed') return;
        this.endServer(tx);
        this.out.push({ type: 'note', ...sipNote('sip.timeout', `no ACK for ${status} to INVITE from ${formatTransportAddress(tx.source)}: Timer H fired after 32 s (RFC 3261 §17.2.1)`, { method: 'INVITE', timer: 'H', to: formatTransportAddress(tx.source) }) });
      });
    } else {
      this.setTimer(`s:${tx.key}:J`, now + (this.reliable ? 0 : 64 * T1), 'SIP Timer J: absorb request retransmissions (64·T1 = 32 s)', () => this.endServer(tx));
    }
  }

  /** Sends bytes outside any transaction (an ACK for a 2xx, a 2xx retransmitted by the core). */
  sendRaw(to: TransportAddress, msg: SipMessage): void {
    this.transmit(to, encodeSipMessage(msg));
  }

  handleDatagram(now: Micros, from: TransportAddress, bytes: Uint8Array): void {
    if (isSipKeepAlive(bytes)) {
      // RFC 5626 §4.4.1: a CRLF CRLF ping is answered with one CRLF pong
      if (bytes.length === 4) this.transmit(from, new Uint8Array([0x0d, 0x0a]));
      return;
    }
    const d = decodeSipMessage(bytes);
    if (!d.value) {
      this.malformed++;
      const reason = d.problems.at(-1)?.message ?? 'not a SIP message';
      this.out.push({ type: 'note', ...sipNote('sip.malformed', `dropped a datagram from ${formatTransportAddress(from)} that is not a SIP message: ${reason}`, { from: formatTransportAddress(from), reason }) });
      return;
    }
    this.received++;
    const m = d.value;
    const via = parseVia(sipHeaderValues(m, 'Via')[0] ?? '');
    const cseq = parseCSeq(sipHeader(m, 'CSeq') ?? '');
    if (typeof via === 'string' || typeof cseq === 'string' || typeof parseNameAddr(sipHeader(m, 'From') ?? '') === 'string' || typeof parseNameAddr(sipHeader(m, 'To') ?? '') === 'string') {
      this.malformed++;
      const reason = typeof via === 'string' ? via : typeof cseq === 'string' ? cseq : 'unreadable From or To';
      this.out.push({ type: 'note', ...sipNote('sip.malformed', `dropped a SIP message from ${formatTransportAddress(from)}: ${reason}`, { from: formatTransportAddress(from), reason }) });
      return;
    }
    if (m.start.kind === 'response') this.onResponse(now, m, via.branch ?? '', cseq.method);
    else this.onRequest(now, m, from, via.branch ?? '', `${via.host}:${via.port ?? 5060}`);
  }

  /** §17.1.3: a response matches the client transaction of its top Via branch and CSeq method. */
  private onResponse(now: Micros, res: SipMessage, branch: string, method: string): void {
    const key = `${branch}|${method}`;
    const tx = this.clients.get(key);
    const status = res.start.kind === 'response' ? res.start.status : 0;
    if (!tx || tx.state === 'terminated') {
      // §17.1.1.2: a 2xx retransmission after the transaction ended goes to the core (it ACKs again)
      if (method === 'INVITE' && status >= 200 && status < 300) this.core.strayResponse?.(now, res);
      return;
    }
    if (tx.state === 'completed') {
      // §17.1.1.2: a retransmitted non-2xx final is ACKed again and absorbed
      if (tx.invite && status >= 300) this.sendAck(tx, res);
      return;
    }
    tx.last = res;
    if (status < 200) {
      tx.state = 'proceeding';
      if (tx.invite) this.timers.delete(`c:${key}:A`);
      tx.user.response(now, res);
      return;
    }
    if (tx.invite && status < 300) {
      // §17.1.1.2: a 2xx terminates the INVITE client transaction; the core sends the ACK
      this.endClient(key, tx);
      tx.user.response(now, res);
      return;
    }
    tx.state = 'completed';
    this.timers.delete(`c:${key}:${tx.invite ? 'A' : 'E'}`);
    this.timers.delete(`c:${key}:${tx.invite ? 'B' : 'F'}`);
    if (tx.invite) {
      this.sendAck(tx, res);
      this.setTimer(`c:${key}:D`, now + (this.reliable ? 0 : 32 * SECOND), 'SIP Timer D: absorb retransmitted final responses (32 s)', () => this.endClient(key, tx));
    } else this.setTimer(`c:${key}:K`, now + (this.reliable ? 0 : T4), 'SIP Timer K: absorb retransmitted responses (T4)', () => this.endClient(key, tx));
    tx.user.response(now, res);
  }

  /** §17.1.1.3: the ACK for a non-2xx final: the INVITE's Request-URI, top Via, From, Call-ID, CSeq number, the response's To. */
  private sendAck(tx: ClientTransaction, res: SipMessage): void {
    const req = tx.request;
    if (req.start.kind !== 'request') return;
    const cseq = parseCSeq(sipHeader(req, 'CSeq') ?? '');
    const ack = buildRequest({
      method: 'ACK',
      uri: req.start.uri,
      local: this.local,
      transport: this.transport,
      branch: tx.branch,
      from: sipHeader(req, 'From') ?? '',
      to: sipHeader(res, 'To') ?? '',
      callId: sipHeader(req, 'Call-ID') ?? '',
      cseq: typeof cseq === 'string' ? 1 : cseq.seq,
    });
    // the top Via is the INVITE's own (same branch), written as the INVITE wrote it
    const via = req.headers.find((h) => h.name === 'Via');
    const headers = ack.headers.map((h) => (h.name === 'Via' && via ? via : h)).concat(req.headers.filter((h) => h.name === 'Route'));
    this.transmit(tx.to, encodeSipMessage({ ...ack, headers }));
  }

  /** §17.2.3: a request matches the server transaction of its top Via branch, sent-by and method (ACK → INVITE). */
  private onRequest(now: Micros, req: SipMessage, from: TransportAddress, branch: string, sentBy: string): void {
    if (req.start.kind !== 'request') return;
    const method = req.start.method;
    const key = `${branch}|${sentBy}|${method === 'ACK' ? 'INVITE' : method}`;
    const tx = this.servers.get(key);
    if (method === 'ACK') {
      if (tx && tx.state === 'completed') {
        // §17.2.1: the ACK for a non-2xx final: Confirmed, Timer I absorbs its copies
        tx.state = 'confirmed';
        this.timers.delete(`s:${key}:G`);
        this.timers.delete(`s:${key}:H`);
        this.setTimer(`s:${key}:I`, now + (this.reliable ? 0 : T4), 'SIP Timer I: absorb ACK retransmissions (T4)', () => this.endServer(tx));
      } else if (!tx) this.core.ack(now, req, from);
      return;
    }
    if (tx) {
      // §17.2.1, §17.2.2: a retransmitted request gets the last response again (nothing, while trying)
      if (tx.lastBytes && tx.state !== 'confirmed' && tx.state !== 'terminated') {
        this.retransmissions++;
        this.transmit(tx.source, tx.lastBytes);
      }
      return;
    }
    const st = new ServerTransaction(key, stampVia(req, from), from);
    this.servers.set(key, st);
    this.core.request(now, st.request, st);
  }

  /** §9.2: the INVITE server transaction a CANCEL is for (same top Via branch and sent-by), if it still exists. */
  inviteTransactionFor(cancel: SipMessage): ServerTransaction | undefined {
    const via = parseVia(sipHeaderValues(cancel, 'Via')[0] ?? '');
    if (typeof via === 'string') return undefined;
    return this.servers.get(`${via.branch ?? ''}|${via.host}:${via.port ?? 5060}|INVITE`);
  }

  private endClient(key: string, tx: ClientTransaction): void {
    tx.state = 'terminated';
    this.clients.delete(key);
    for (const t of ['A', 'B', 'D', 'E', 'F', 'K']) this.timers.delete(`c:${key}:${t}`);
  }

  private endServer(tx: ServerTransaction): void {
    tx.state = 'terminated';
    this.servers.delete(tx.key);
    for (const t of ['G', 'H', 'I', 'J']) this.timers.delete(`s:${tx.key}:${t}`);
  }

  /** A timer of the core above (its 2xx retransmissions, re-registration): same deadline machinery. */
  setTimer(name: string, at: Micros, reason: string, fire: (now: Micros) => void): void {
    this.timers.delete(name); // re-inserted last: among equal deadlines, the newest fires last
    this.timers.set(name, { at, reason, fire });
    this.timerSeq++;
  }

  clearTimer(name: string): void {
    this.timers.delete(name);
  }

  /** Fires every timer that is due, in deadline order (insertion order on a tie). */
  handleTimeout(now: Micros): void {
    for (;;) {
      let due: [string, Timer] | undefined;
      for (const e of this.timers) if (e[1].at <= now && (!due || e[1].at < due[1].at)) due = e;
      if (!due) return;
      this.timers.delete(due[0]);
      due[1].fire(now);
    }
  }

  /** The earliest timer, with its reason. */
  deadline(): { at: Micros; reason: string } | undefined {
    let best: Timer | undefined;
    for (const t of this.timers.values()) if (!best || t.at < best.at) best = t;
    return best ? { at: best.at, reason: best.reason } : undefined;
  }

  private transmit(to: TransportAddress, bytes: Uint8Array): void {
    this.sent++;
    if (this.streamSend) this.streamSend(to, bytes);
    else this.out.push({ type: 'transmit', from: this.local, to, bytes });
  }

  /** Whether `a` is this layer's address. */
  isLocal(a: TransportAddress): boolean {
    return sameTransportAddress(a, this.local);
  }
}
