import type { Host } from '../net/host.ts';
import { isLinkLocal, networkType, rankNetworks, type NetworkInfo } from '../ice/networks.ts';

/** What changed in a host's networks: the new ones (ranked among those present) and the addresses gone. */
export interface NetworkChange {
  readonly added: readonly { readonly ip: string; readonly network: NetworkInfo }[];
  readonly gone: readonly string[];
}

/**
 * A peer's view of its host's networks, as libwebrtc's BasicNetworkManager keeps it: one network per address of an
 * interface that is up (link-local ones are not networks), an id given in the order a network is first seen and
 * kept from then on (the candidates' `network-id`), and preferences ranked anew over the networks present
 * (sim/ice/networks.ts). The host's network watchers (an OS's network change notification) make it tell what changed.
 */
export class PeerNetworks {
  private readonly ids = new Map<string, number>();
  private active: ReadonlyMap<string, NetworkInfo>;

  constructor(private readonly host: Host) {
    this.active = this.rank();
  }

  /** The networks now, by address. */
  get networks(): ReadonlyMap<string, NetworkInfo> {
    return this.active;
  }

  /** Every address of the interfaces that are up, link-local ones included, in the host's order (what the peer binds). */
  upAddresses(): string[] {
    return this.host.interfaces.filter((i) => i.up).flatMap((i) => i.addresses.map((a) => a.ip));
  }

  /** Calls `f` after each change of the host's interfaces that adds or removes a network. */
  watch(f: (change: NetworkChange) => void): void {
    this.host.networkWatchers.push(() => {
      const before = this.active;
      this.active = this.rank();
      const added = [...this.active].filter(([ip]) => !before.has(ip)).map(([ip, network]) => ({ ip, network }));
      const gone = [...before.keys()].filter((ip) => !this.active.has(ip));
      if (added.length > 0 || gone.length > 0) f({ added, gone });
    });
  }

  private rank(): Map<string, NetworkInfo> {
    const present = this.host.interfaces.filter((i) => i.link && i.up).flatMap((i) => i.addresses.filter((a) => !isLinkLocal(a.ip)).map((a) => ({ ip: a.ip, type: networkType(i.network), name: i.name })));
    for (const a of present) if (!this.ids.has(a.ip)) this.ids.set(a.ip, this.ids.size + 1);
    const ranked = rankNetworks(present);
    return new Map([...ranked].map(([ip, n]) => [ip, { ...n, id: this.ids.get(ip)! }]));
  }
}
