/**
 * A session description (RFC 8866) as WebRTC uses it (RFC 8829 JSEP): the session part, then one section per
 * `m=` line. Every value keeps the span of the line it came from; `decodeSdp` also returns field spans for every
 * line and for the tokens inside the attributes it understands.
 */

/** One `<type>=<value>` line (RFC 8866 §5), with the span of the whole line (without its line ending). */
export interface SdpLine {
  readonly type: string;
  readonly value: string;
  readonly offset: number;
  readonly length: number;
}

/** `a=<name>[:<value>]` (RFC 8866 §5.13). */
export interface SdpAttribute {
  readonly name: string;
  readonly value: string | undefined;
  readonly offset: number;
  readonly length: number;
}

/** `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>` (RFC 8866 §5.2). */
export interface SdpOrigin {
  readonly username: string;
  readonly sessionId: string;
  readonly sessionVersion: string;
  readonly netType: string;
  readonly addrType: string;
  readonly address: string;
}

/** `c=<nettype> <addrtype> <connection-address>` (RFC 8866 §5.7). */
export interface SdpConnection {
  readonly netType: string;
  readonly addrType: string;
  readonly address: string;
}

/** RFC 8839 §5.1: `candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> …`. */
export interface SdpCandidate {
  readonly foundation: string;
  readonly component: number;
  /** "udp" or "tcp" (lower-cased; the grammar is case-insensitive). */
  readonly transport: string;
  readonly priority: number;
  /** An IP address, or an FQDN (mDNS "….local" names hide host addresses, RFC 8839 §5.1). */
  readonly address: string;
  readonly port: number;
  readonly type: string;
  readonly relatedAddress?: string;
  readonly relatedPort?: number;
  /** RFC 6544 §4.5: "active", "passive" or "so" for TCP candidates. */
  readonly tcpType?: string;
  /** Other extension attributes in order ("generation 0", "ufrag abc", "network-id 1" …). */
  readonly extensions: readonly (readonly [string, string])[];
}

/** RFC 8122 §5: `a=fingerprint:<hash-func> <hex:hex:…>`. */
export interface SdpFingerprint {
  /** Lower-cased: "sha-256". */
  readonly hashFunction: string;
  readonly fingerprint: Uint8Array;
}

/** RFC 8866 §6.6: `a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]`. */
export interface SdpRtpmap {
  readonly payloadType: number;
  readonly encodingName: string;
  readonly clockRate: number;
  readonly encodingParameters?: string;
}

/** RFC 8866 §6.15: `a=fmtp:<format> <format specific parameters>`; `key=value` pairs split on ";". */
export interface SdpFmtp {
  readonly format: string;
  readonly parameters: string;
  readonly pairs: readonly (readonly [string, string])[];
}

/** RFC 8285 §8: `a=extmap:<id>[/<direction>] <URI> [<extension attributes>]`. */
export interface SdpExtmap {
  readonly id: number;
  readonly direction?: string;
  readonly uri: string;
  readonly attributes?: string;
}

/** RFC 5576 §4.1: `a=ssrc:<ssrc-id> <attribute>[:<value>]`. */
export interface SdpSsrc {
  readonly ssrc: number;
  readonly attribute: string;
  readonly value?: string;
}

/** RFC 5888 §5: `a=group:<semantics> <identification-tag> …` (BUNDLE, RFC 9143). */
export interface SdpGroup {
  readonly semantics: string;
  readonly mids: readonly string[];
}

/** RFC 4145 §4: `a=setup:active|passive|actpass|holdconn` (RFC 8842 for DTLS). */
export type SdpSetup = 'active' | 'passive' | 'actpass' | 'holdconn';

export type SdpDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** What the attributes of one level (session or media) say, for the attributes this codec understands. */
export interface SdpAttributeValues {
  readonly iceUfrag?: string;
  readonly icePwd?: string;
  readonly iceOptions?: readonly string[];
  readonly iceLite: boolean;
  readonly fingerprints: readonly SdpFingerprint[];
  readonly setup?: SdpSetup;
  readonly direction?: SdpDirection;
  readonly candidates: readonly SdpCandidate[];
  readonly endOfCandidates: boolean;
  readonly groups: readonly SdpGroup[];
  readonly extmaps: readonly SdpExtmap[];
}

/** One media section (RFC 8866 §5.14): `m=<media> <port>[/<number of ports>] <proto> <fmt> …` and what follows. */
export interface SdpMedia extends SdpAttributeValues {
  readonly media: string;
  readonly port: number;
  readonly numberOfPorts?: number;
  readonly proto: string;
  readonly formats: readonly string[];
  readonly connection?: SdpConnection;
  readonly mid?: string;
  readonly rtcpMux: boolean;
  readonly rtpmaps: readonly SdpRtpmap[];
  readonly fmtps: readonly SdpFmtp[];
  readonly ssrcs: readonly SdpSsrc[];
  readonly attributes: readonly SdpAttribute[];
  /** The span of the section, from its m= line to the last line before the next one. */
  readonly offset: number;
  readonly length: number;
}

export interface SessionDescription extends SdpAttributeValues {
  readonly version?: number;
  readonly origin?: SdpOrigin;
  readonly sessionName?: string;
  readonly connection?: SdpConnection;
  readonly attributes: readonly SdpAttribute[];
  readonly media: readonly SdpMedia[];
  /** Every line in order, session and media (what `encodeSdp` writes back). */
  readonly lines: readonly SdpLine[];
}
