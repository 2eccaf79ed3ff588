import { stunNote } from './notes.ts';
import type { Endpoint, EndpointOutput, TransportAddress } from '../core/endpoint.ts';
import { formatTransportAddress, sameTransportAddress } from '../core/endpoint.ts';
import type { Micros } from '../core/time.ts';
import type { StunAttribute, StunMessage } from '../wire/stun/index.ts';
import {
  ChangeRequest,
  decodeStun,
  getAttribute,
  hasAttribute,
  isStun,
  messageTypeName,
  Method,
  OtherAddress,
  Padding,
  ResponseOrigin,
  ResponsePort,
  unknownComprehensionRequired,
  XorMappedAddress,
  AttrType,
} from '../wire/stun/index.ts';
import { Outbox } from './outbox.ts';
import { errorAttributes, response, softwareAttr, unknownAttributeError } from './respond.ts';

export interface StunServerConfig {
  /** The primary address and port (A1:P1), where clients send their first Binding request. */
  readonly primary: TransportAddress;
  /**
   * RFC 5780 §4.1: an alternate address and port (A2:P2). With it the server listens on all four combinations
   * A1:P1, A1:P2, A2:P1, A2:P2, answers CHANGE-REQUEST and tells clients OTHER-ADDRESS and RESPONSE-ORIGIN.
   */
  readonly alternate?: TransportAddress;
  /** SOFTWARE in every response (RFC 8489 §14.14); empty string for none. */
  readonly software?: string;
  /** FINGERPRINT on every response (RFC 8489 §7.3, default true). */
  readonly fingerprint?: boolean;
  /**
   * A misconfiguration: every Binding answer leaves from this address instead of the one the request came to (RFC
   * 8489 §6.3: it should be that one), as a UDP server bound to the wildcard address on a multihomed host answers from
   * the host's primary address. A NAT filtering by address then drops the answer.
   */
  readonly replyFrom?: TransportAddress;
}

/**
 * A STUN server (RFC 8489 §6.3): answers Binding requests with XOR-MAPPED-ADDRESS, and, given an alternate address,
 * the RFC 5780 §6 behaviour discovery attributes: CHANGE-REQUEST, RESPONSE-PORT, PADDING, OTHER-ADDRESS and
 * RESPONSE-ORIGIN. Unknown comprehension-required attributes get 420 with UNKNOWN-ATTRIBUTES.
 */
export class StunServer implements Endpoint {
  private readonly out = new Outbox();
  readonly software: string | undefined;
  readonly fingerprint: boolean;
  readonly stats = { requests: 0, responses: 0, errors: 0, ignored: 0 };
  /** Mapped addresses answered, in order: what the server saw (for summaries). */
  readonly seen: { from: string; to: string }[] = [];

  constructor(readonly config: StunServerConfig) {
    this.software = config.software === undefined ? 'rtclab stun' : config.software || undefined;
    this.fingerprint = config.fingerprint ?? true;
    const alt = config.alternate;
    if (alt && (alt.ip === config.primary.ip || alt.port === config.primary.port)) {
      throw new RangeError('RFC 5780 §4.1: the alternate address must differ from the primary in both IP address and port');
    }
  }

  /** Every address the server listens on: A1:P1, and with an alternate also A1:P2, A2:P1, A2:P2 (and replyFrom). */
  addresses(): TransportAddress[] {
    const p = this.config.primary;
    const a = this.config.alternate;
    const r = this.config.replyFrom;
    if (!a) return r && !sameTransportAddress(r, p) ? [p, r] : [p];
    return [p, { ip: p.ip, port: a.port }, { ip: a.ip, port: p.port }, a];
  }

  handleDatagram(_now: Micros, from: TransportAddress, to: TransportAddress, bytes: Uint8Array): void {
    if (!isStun(bytes)) {
      this.stats.ignored++;
      return;
    }
    const msg = decodeStun(bytes, false).value;
    if (!msg || msg.class !== 'request') {
      this.stats.ignored++;
      return;
    }
    this.stats.requests++;
    const unknown = unknownComprehensionRequired(msg);
    if (unknown.length > 0) {
      this.reply(to, from, unknownAttributeError(msg, unknown, this.software, this.fingerprint), msg, `420 Unknown Attribute`);
      return;
    }
    if (msg.method !== Method.Binding) {
      this.reply(to, from, response(msg, 'error', [...errorAttributes(400, [], 'Bad Request: this server only answers Binding'), ...softwareAttr(this.software)], { fingerprint: this.fingerprint }), msg, '400');
      return;
    }
    this.binding(msg, from, to, bytes.length);
  }

  /** RFC 8489 §6.3.1, with RFC 5780 §6.1 when the request asks for changed addresses or another port. */
  private binding(msg: StunMessage, from: TransportAddress, to: TransportAddress, requestLength: number): void {
    const alt = this.config.alternate;
    const change = getAttribute(msg, ChangeRequest);
    const responsePort = getAttribute(msg, ResponsePort);
    if ((change && (change.changeIp || change.changePort) && !alt) || (responsePort !== undefined && !alt)) {
      // RFC 5780 §6.1: without an alternate address the server cannot honour these, and answers 420
      const types = [change ? AttrType.ChangeRequest : undefined, responsePort !== undefined ? AttrType.ResponsePort : undefined].filter((t) => t !== undefined);
      this.reply(to, from, unknownAttributeError(msg, types, this.software, this.fingerprint), msg, '420 (no alternate address)');
      return;
    }
    let source = this.config.replyFrom ?? to;
    if (alt && change) {
      const otherIp = to.ip === alt.ip ? this.config.primary.ip : alt.ip;
      const otherPort = to.port === alt.port ? this.config.primary.port : alt.port;
      source = { ip: change.changeIp ? otherIp : to.ip, port: change.changePort ? otherPort : to.port };
    }
    const dest = responsePort !== undefined ? { ip: from.ip, port: responsePort } : from;
    const attrs: StunAttribute[] = [XorMappedAddress.of(from)];
    if (alt) {
      // OTHER-ADDRESS: the address differing from the one the request arrived on in both IP and port (§7.4)
      attrs.push(
        OtherAddress.of({ ip: to.ip === alt.ip ? this.config.primary.ip : alt.ip, port: to.port === alt.port ? this.config.primary.port : alt.port }),
        ResponseOrigin.of(source),
      );
    }
    attrs.push(...softwareAttr(this.software));
    let bytes = response(msg, 'success', attrs, { fingerprint: this.fingerprint });
    if (hasAttribute(msg, AttrType.Padding) && responsePort === undefined && bytes.length < requestLength) {
      // RFC 5780 §7.6: a padded request probes fragmentation; the answer back to its source is padded to match
      const need = requestLength - bytes.length - 4;
      if (need >= 0) bytes = response(msg, 'success', [...attrs, Padding.of(new Uint8Array(need - (need % 4)))], { fingerprint: this.fingerprint });
    }
    this.seen.push({ from: formatTransportAddress(from), to: formatTransportAddress(to) });
    const how = sameTransportAddress(source, to) ? '' : ` from ${formatTransportAddress(source)} (${change ? 'CHANGE-REQUEST' : 'replyFrom: not the address the request came to'})`;
    this.out.note(
      stunNote('stun.binding.answered', `Binding request from ${formatTransportAddress(from)} to ${formatTransportAddress(to)}: XOR-MAPPED-ADDRESS ${formatTransportAddress(from)}${how}`, {
        mapped: formatTransportAddress(from),
        to: formatTransportAddress(to),
        source: formatTransportAddress(source),
        ...(change ? { changeIp: change.changeIp, changePort: change.changePort } : {}),
      }),
    );
    this.stats.responses++;
    this.out.transmit(source, dest, bytes);
  }

  private reply(local: TransportAddress, remote: TransportAddress, bytes: Uint8Array, req: StunMessage, what: string): void {
    this.stats.errors++;
    this.out.note(stunNote('stun.error.sent', `${messageTypeName(req.method, 'error')} ${what} to ${formatTransportAddress(remote)}`, { to: formatTransportAddress(remote) }));
    this.out.transmit(local, remote, bytes);
  }

  handleTimeout(): void {}

  poll(): EndpointOutput {
    return this.out.next() ?? { type: 'idle' };
  }
}
