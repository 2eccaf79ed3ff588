import type { Micros } from '../core/time.ts';
import type { MdnsNames } from '../ice/mdns-candidates.ts';
import { mdnsServiceOf, type MdnsService } from '../mdns/service.ts';
import type { Host } from '../net/host.ts';
import type { World } from './world.ts';

/**
 * A peer app's view of its host's mDNS service (sim/mdns/service.ts), made only when first used (a call without
 * `.local` candidates binds no socket on 5353 and draws nothing from the random streams). A resolution ends outside
 * the peer's own input, so the driver is pumped after it (`pump` is set once the driver exists).
 */
export class PeerMdnsNames implements MdnsNames {
  pump: () => void = () => undefined;

  constructor(
    private readonly world: World,
    private readonly host: Host,
    readonly obfuscate: boolean,
  ) {}

  private get service(): MdnsService {
    return mdnsServiceOf(this.world.net, this.host, () => this.world.rng(`${this.host.name}/mdns`));
  }

  nameFor(ip: string): string {
    return this.service.nameFor(ip);
  }

  resolve(name: string, done: (now: Micros, ip: string | undefined) => void): void {
    this.service.resolve(name, (now, ip) => {
      done(now, ip);
      this.pump();
    });
  }
}
