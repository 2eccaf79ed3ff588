import { splitKeyingMaterial, type MasterKey } from '../crypto/srtp-kdf.ts';
import { SrtpContext, type SrtpContextOptions, type SrtpResult } from './context.ts';
import { srtpProfile, type SrtpProfile, type SrtpProfileName } from '../wire/srtp/profiles.ts';

export interface SrtpSessionOptions extends SrtpContextOptions {
  readonly profile: SrtpProfile | SrtpProfileName;
  /** The master key and salt this side protects with. */
  readonly local: MasterKey;
  /** The master key and salt the peer protects with. */
  readonly remote: MasterKey;
}

/**
 * Both directions of one SRTP session: `local` protects what this side sends, `remote` unprotects what it
 * receives, each with its own keys and per-SSRC state.
 */
export class SrtpSession {
  readonly profile: SrtpProfile;
  readonly local: SrtpContext;
  readonly remote: SrtpContext;

  constructor(options: SrtpSessionOptions) {
    const p = typeof options.profile === 'string' ? srtpProfile(options.profile) : options.profile;
    if (!p) throw new RangeError(`unknown SRTP profile ${String(options.profile)}`);
    this.profile = p;
    const ctx = options.replayWindow !== undefined ? { replayWindow: options.replayWindow } : {};
    this.local = SrtpContext.fromMasterKey(p, options.local, ctx);
    this.remote = SrtpContext.fromMasterKey(p, options.remote, ctx);
  }

  /** RFC 5764 §4.2: keys from the DTLS exporter ("EXTRACTOR-dtls_srtp"); the client sends with the client keys. */
  static fromKeyingMaterial(profile: SrtpProfile | SrtpProfileName, material: Uint8Array, role: 'client' | 'server', options: SrtpContextOptions = {}): SrtpSession {
    const p = typeof profile === 'string' ? srtpProfile(profile) : profile;
    if (!p) throw new RangeError(`unknown SRTP profile ${String(profile)}`);
    const { client, server } = splitKeyingMaterial(p, material);
    return new SrtpSession({ ...options, profile: p, local: role === 'client' ? client : server, remote: role === 'client' ? server : client });
  }

  protectRtp(packet: Uint8Array): SrtpResult {
    return this.local.protectRtp(packet);
  }

  unprotectRtp(packet: Uint8Array): SrtpResult {
    return this.remote.unprotectRtp(packet);
  }

  protectRtcp(packet: Uint8Array, options?: { encrypt?: boolean }): SrtpResult {
    return this.local.protectRtcp(packet, options);
  }

  unprotectRtcp(packet: Uint8Array): SrtpResult {
    return this.remote.unprotectRtcp(packet);
  }
}
