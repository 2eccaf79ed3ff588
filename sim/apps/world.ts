import type { Rng } from '../core/rng.ts';
import { generateDtlsIdentity, type DtlsIdentity } from '../dtls/identity.ts';
import type { Host } from '../net/host.ts';
import type { Network } from '../net/network.ts';
import { TcpHost } from '../net/tcp-host.ts';
import { SignalingHub } from '../signaling/hub.ts';

/**
 * What the apps of one scenario share, made explicit and passed to every app kind's `build`: the network (its
 * scheduler, trace and root RNG), the signaling server, and one DTLS identity per host. One World per built
 * scenario; nothing is kept in module-level state.
 */
export class World {
  /**
   * The scenario's one signaling hub: webrtc-peer, sfu and sfu-client parties on its server, ice-agent pairs on
   * private relays; every party keeps its own delay.
   */
  readonly signaling: SignalingHub;
  private readonly identities = new Map<string, DtlsIdentity>();
  private readonly tcpHosts = new Map<string, TcpHost>();

  constructor(readonly net: Network) {
    this.signaling = new SignalingHub(net);
  }

  /** A random stream forked from the scenario's root by a stable name (the same name may be forked only once). */
  rng(name: string): Rng {
    return this.net.rng.fork(name);
  }

  /** The host's one TCP stack, made the first time an app of the host asks (a host attaches one stack only). */
  tcp(host: Host): TcpHost {
    let t = this.tcpHosts.get(host.name);
    if (!t) {
      t = new TcpHost(this.net, host);
      this.tcpHosts.set(host.name, t);
    }
    return t;
  }

  /** One certificate per host (as a browser keeps one per RTCPeerConnection), from the host's own RNG stream. */
  identity(host: string): DtlsIdentity {
    let id = this.identities.get(host);
    if (!id) {
      id = generateDtlsIdentity(this.rng(`${host}/dtls-identity`), host);
      this.identities.set(host, id);
    }
    return id;
  }
}
