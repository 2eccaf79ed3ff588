import { formatTransportAddress } from '../core/endpoint.ts';
import { carriesRelayedData, ChannelNumber, getAttribute, getAttributes, Method, XorPeerAddress, XorRelayedAddress, type StunMessage } from '../wire/stun/index.ts';

/**
 * What TURN messages seen on the wire say about relayed traffic: the relayed address allocated per (client, server)
 * 5-tuple (RFC 8656 §7.3) and the peer bound to each channel (§11). ChannelData between a client and its server then
 * stands for a datagram between the relayed address and the peer, which is what ICE checks inside it are about.
 */
export class RelayMap {
  private readonly relayed = new Map<string, string>();
  private readonly channels = new Map<string, string>();

  /** Feeds every STUN message as seen (every sighting: a NAT on the way changes the client's address). */
  observe(m: StunMessage, src: string, dst: string): void {
    if (m.method === Method.Allocate && m.class === 'success') {
      const r = getAttribute(m, XorRelayedAddress);
      if (r) this.relayed.set(`${dst} ${src}`, formatTransportAddress(r));
    } else if (m.method === Method.ChannelBind && m.class === 'request') {
      const channel = getAttribute(m, ChannelNumber);
      const peer = getAttributes(m, XorPeerAddress)[0];
      if (channel !== undefined && peer) this.channels.set(`${src} ${dst} ${channel}`, formatTransportAddress(peer));
    }
  }

  /** The relayed address the server allocated for `client`, if the capture showed it. */
  relayedOf(client: string, server: string): string | undefined {
    return this.relayed.get(`${client} ${server}`);
  }

  /**
   * The endpoints a ChannelData message on `channel` from `src` to `dst` stands for: from a client, its relayed
   * address to the bound peer; from the server, the peer to the client's relayed address (RFC 8656 §12.6, §12.7).
   */
  endpoints(channel: number, src: string, dst: string): { src: string; dst: string } | undefined {
    const up = this.channels.get(`${src} ${dst} ${channel}`);
    if (up) {
      const r = this.relayed.get(`${src} ${dst}`);
      return r ? { src: r, dst: up } : undefined;
    }
    const down = this.channels.get(`${dst} ${src} ${channel}`);
    if (down) {
      const r = this.relayed.get(`${dst} ${src}`);
      return r ? { src: down, dst: r } : undefined;
    }
    return undefined;
  }

  /**
   * The endpoints the datagram in a Send or Data indication's DATA travels between: a Send indication from a client
   * goes from its relayed address to XOR-PEER-ADDRESS (RFC 8656 §11.4), a Data indication from the server came from
   * XOR-PEER-ADDRESS to the client's relayed address (§11.6). Undefined for other messages, or when the capture did
   * not show the allocation.
   */
  indication(m: StunMessage, src: string, dst: string): { src: string; dst: string } | undefined {
    if (!carriesRelayedData(m)) return undefined;
    const peer = getAttributes(m, XorPeerAddress)[0];
    if (!peer) return undefined;
    const p = formatTransportAddress(peer);
    const r = m.method === Method.Send ? this.relayed.get(`${src} ${dst}`) : this.relayed.get(`${dst} ${src}`);
    if (!r) return undefined;
    return m.method === Method.Send ? { src: r, dst: p } : { src: p, dst: r };
  }
}
