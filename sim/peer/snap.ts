import type { Rng } from '../core/rng.ts';
import { SctpAssociation, type SctpAssociationOptions } from '../sctp/association.ts';
import type { SnapStart } from '../sctp/datachannels.ts';
import { encodeSctpInitAttribute } from '../wire/sctp/snap.ts';
import type { RemoteDescription } from './sdp.ts';

/**
 * A peer's side of SNAP (draft-hancke-tsvwg-snap), as libwebrtc's `enable_sctp_snap`: the SCTP association is made
 * before the first description so its INIT can go out as a=sctp-init (§5.1, §5.3); making it changes no SCTP state
 * (§6). Data channels later start on that same association, from the peer's INIT when the remote description
 * carried a readable one (then both did: an answer carries one only in reply to an offer's, §5.3), else with the
 * usual INIT/COOKIE handshake. Its RNG is the one the data channels would have drawn the association from, so the
 * tags and TSNs are those a run without SNAP has.
 */
export class SnapSide {
  private association: SctpAssociation | undefined;
  private value: string | undefined;

  constructor(readonly rng: Rng, readonly enabled: boolean, private readonly sctp: Omit<SctpAssociationOptions, 'rng'> | undefined) {}

  /** The a=sctp-init value when SNAP is on: the same in every description (§5.5). */
  init(): string | undefined {
    if (!this.enabled) return undefined;
    this.association ??= new SctpAssociation({ rng: this.rng, ...this.sctp });
    return (this.value ??= encodeSctpInitAttribute(this.association.localInit()));
  }

  /** What the data channels start with, once the remote description with the data section is applied. */
  start(d: RemoteDescription): SnapStart {
    if (!this.association) return {};
    this.association.setRemotePort(d.application?.sctpPort ?? 5000);
    const peerInit = d.application?.sctpInit;
    return { association: this.association, ...(peerInit ? { peerInit } : {}) };
  }
}
