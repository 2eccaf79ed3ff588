import type { Hop } from '../core/trace.ts';
import { ipFamily, type IpFamily } from '../wire/ip/address.ts';
import type { Link } from './link.ts';
import type { NetNode } from './node.ts';

/** An address configured on an interface with its on-link prefix length ("192.168.1.10/24"). */
export interface InterfaceAddress {
  readonly ip: string;
  readonly prefix: number;
}

/** A network interface of a node; point-to-point, attached to exactly one link. */
export class Interface {
  private link_: Link | undefined;
  /** The kind of network it is on, for a host ("ethernet", "wifi", "cellular", "vpn"): libwebrtc ranks networks by it. */
  network = 'ethernet';
  /** Administratively up (a scenario event may take it down: its link then drops everything, `Host.setInterfaceUp`). */
  up = true;

  constructor(
    readonly node: NetNode,
    readonly name: string,
    readonly addresses: InterfaceAddress[],
  ) {}

  get link(): Link | undefined {
    return this.link_;
  }

  attach(link: Link): void {
    if (this.link_) throw new Error(`interface ${this.node.name}/${this.name} is already on link ${this.link_.name}`);
    this.link_ = link;
  }

  has(ip: string): boolean {
    return this.addresses.some((a) => a.ip === ip);
  }

  /** The first address of a family, used as the source of datagrams this node originates. */
  addressOf(family: IpFamily): string | undefined {
    return this.addresses.find((a) => ipFamily(a.ip) === family)?.ip;
  }

  /** Sends a datagram on the attached link; undefined when the interface is not connected. */
  send(bytes: Uint8Array, packet: number): Hop | undefined {
    return this.link_?.send(this, bytes, packet);
  }

  toString(): string {
    return `${this.node.name}/${this.name}`;
  }
}
