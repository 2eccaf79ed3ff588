/**
 * STUN/TURN numbers and their names: methods, classes, attribute types, error codes
 * (the IANA "STUN Parameters" registries, RFC 8489 §18, RFC 8656 §17, RFC 5780 §9, RFC 8445 §20, RFC 6062 §6).
 */

/** RFC 8489 §5: the fixed value in bytes 4–7 of every STUN message. */
export const MAGIC_COOKIE = 0x2112a442;
export const HEADER_SIZE = 20;
export const TRANSACTION_ID_SIZE = 12;

export const Method = {
  Binding: 0x001,
  Allocate: 0x003,
  Refresh: 0x004,
  Send: 0x006,
  Data: 0x007,
  CreatePermission: 0x008,
  ChannelBind: 0x009,
  Connect: 0x00a,
  ConnectionBind: 0x00b,
  ConnectionAttempt: 0x00c,
  GoogPing: 0x080,
} as const;

const METHOD_NAMES = new Map<number, string>([
  [0x001, 'Binding'],
  [0x002, 'SharedSecret'],
  [0x003, 'Allocate'],
  [0x004, 'Refresh'],
  [0x006, 'Send'],
  [0x007, 'Data'],
  [0x008, 'CreatePermission'],
  [0x009, 'ChannelBind'],
  [0x00a, 'Connect'],
  [0x00b, 'ConnectionBind'],
  [0x00c, 'ConnectionAttempt'],
  [0x080, 'GOOG-PING'],
]);

export function methodName(method: number): string {
  return METHOD_NAMES.get(method) ?? `Method 0x${method.toString(16).padStart(3, '0')}`;
}

/** RFC 8489 §5: the two class bits C1 C0. */
export type StunClass = 'request' | 'indication' | 'success' | 'error';

export const CLASS_BITS: Readonly<Record<StunClass, number>> = { request: 0b00, indication: 0b01, success: 0b10, error: 0b11 };
export const CLASS_OF_BITS: readonly StunClass[] = ['request', 'indication', 'success', 'error'];

export function className(c: StunClass): string {
  return c === 'request' ? 'Request' : c === 'indication' ? 'Indication' : c === 'success' ? 'Success Response' : 'Error Response';
}

/** Attribute types, named as in the IANA registry. */
export const AttrType = {
  // RFC 8489 §18.3.1 (comprehension-required)
  MappedAddress: 0x0001,
  ResponseAddress: 0x0002, // RFC 3489, reserved since RFC 5389
  ChangeRequest: 0x0003, // RFC 5780 §7.2
  SourceAddress: 0x0004, // RFC 3489
  ChangedAddress: 0x0005, // RFC 3489
  Username: 0x0006,
  Password: 0x0007, // RFC 3489
  MessageIntegrity: 0x0008,
  ErrorCode: 0x0009,
  UnknownAttributes: 0x000a,
  ReflectedFrom: 0x000b, // RFC 3489
  ChannelNumber: 0x000c, // RFC 8656 §18.1
  Lifetime: 0x000d,
  XorPeerAddress: 0x0012,
  Data: 0x0013,
  Realm: 0x0014,
  Nonce: 0x0015,
  XorRelayedAddress: 0x0016,
  RequestedAddressFamily: 0x0017,
  EvenPort: 0x0018,
  RequestedTransport: 0x0019,
  DontFragment: 0x001a,
  AccessToken: 0x001b, // RFC 7635
  MessageIntegritySha256: 0x001c,
  PasswordAlgorithm: 0x001d,
  Userhash: 0x001e,
  XorMappedAddress: 0x0020,
  ReservationToken: 0x0022,
  Priority: 0x0024, // RFC 8445 §16.1
  UseCandidate: 0x0025,
  Padding: 0x0026, // RFC 5780 §7.4
  ResponsePort: 0x0027, // RFC 5780 §7.5
  ConnectionId: 0x002a, // RFC 6062 §6.2.1
  // comprehension-optional
  AdditionalAddressFamily: 0x8000,
  AddressErrorCode: 0x8001,
  PasswordAlgorithms: 0x8002,
  AlternateDomain: 0x8003,
  Icmp: 0x8004,
  Software: 0x8022,
  AlternateServer: 0x8023,
  TransactionTransmitCounter: 0x8025, // RFC 7982
  CacheTimeout: 0x8027, // RFC 5780 §7.8
  Fingerprint: 0x8028,
  IceControlled: 0x8029,
  IceControlling: 0x802a,
  ResponseOrigin: 0x802b, // RFC 5780 §7.3
  OtherAddress: 0x802c, // RFC 5780 §7.4
  EcnCheck: 0x802d, // RFC 6679
  ThirdPartyAuthorization: 0x802e, // RFC 7635
  MobilityTicket: 0x8030, // RFC 8016
  GoogNetworkInfo: 0xc057, // Chromium: network id and cost
  GoogLastIceCheckReceived: 0xc058,
  GoogMiscInfo: 0xc059,
  GoogObsolete1: 0xc05a,
  GoogConnectionId: 0xc05b,
  GoogDelta: 0xc05c,
  GoogDeltaAck: 0xc05d,
  GoogMessageIntegrity32: 0xc060,
  // draft-hancke-webrtc-sped-00 §3.3.2 (SPED) leaves the codes TBD; these are libwebrtc's provisional ones
  // (api/transport/stun.h: STUN_ATTR_META_DTLS_IN_STUN, STUN_ATTR_META_DTLS_IN_STUN_ACK)
  DtlsInStunData: 0xc070,
  DtlsInStunAck: 0xc071,
} as const;

const ATTR_NAMES = new Map<number, string>([
  [0x0001, 'MAPPED-ADDRESS'],
  [0x0002, 'RESPONSE-ADDRESS'],
  [0x0003, 'CHANGE-REQUEST'],
  [0x0004, 'SOURCE-ADDRESS'],
  [0x0005, 'CHANGED-ADDRESS'],
  [0x0006, 'USERNAME'],
  [0x0007, 'PASSWORD'],
  [0x0008, 'MESSAGE-INTEGRITY'],
  [0x0009, 'ERROR-CODE'],
  [0x000a, 'UNKNOWN-ATTRIBUTES'],
  [0x000b, 'REFLECTED-FROM'],
  [0x000c, 'CHANNEL-NUMBER'],
  [0x000d, 'LIFETIME'],
  [0x0010, 'BANDWIDTH'],
  [0x0012, 'XOR-PEER-ADDRESS'],
  [0x0013, 'DATA'],
  [0x0014, 'REALM'],
  [0x0015, 'NONCE'],
  [0x0016, 'XOR-RELAYED-ADDRESS'],
  [0x0017, 'REQUESTED-ADDRESS-FAMILY'],
  [0x0018, 'EVEN-PORT'],
  [0x0019, 'REQUESTED-TRANSPORT'],
  [0x001a, 'DONT-FRAGMENT'],
  [0x001b, 'ACCESS-TOKEN'],
  [0x001c, 'MESSAGE-INTEGRITY-SHA256'],
  [0x001d, 'PASSWORD-ALGORITHM'],
  [0x001e, 'USERHASH'],
  [0x0020, 'XOR-MAPPED-ADDRESS'],
  [0x0021, 'TIMER-VAL'],
  [0x0022, 'RESERVATION-TOKEN'],
  [0x0024, 'PRIORITY'],
  [0x0025, 'USE-CANDIDATE'],
  [0x0026, 'PADDING'],
  [0x0027, 'RESPONSE-PORT'],
  [0x002a, 'CONNECTION-ID'],
  [0x8000, 'ADDITIONAL-ADDRESS-FAMILY'],
  [0x8001, 'ADDRESS-ERROR-CODE'],
  [0x8002, 'PASSWORD-ALGORITHMS'],
  [0x8003, 'ALTERNATE-DOMAIN'],
  [0x8004, 'ICMP'],
  [0x8020, 'XOR-MAPPED-ADDRESS (draft)'],
  [0x8022, 'SOFTWARE'],
  [0x8023, 'ALTERNATE-SERVER'],
  [0x8025, 'TRANSACTION_TRANSMIT_COUNTER'],
  [0x8027, 'CACHE-TIMEOUT'],
  [0x8028, 'FINGERPRINT'],
  [0x8029, 'ICE-CONTROLLED'],
  [0x802a, 'ICE-CONTROLLING'],
  [0x802b, 'RESPONSE-ORIGIN'],
  [0x802c, 'OTHER-ADDRESS'],
  [0x802d, 'ECN-CHECK STUN'],
  [0x802e, 'THIRD-PARTY-AUTHORIZATION'],
  [0x8030, 'MOBILITY-TICKET'],
  [0xc000, 'CISCO-STUN-FLOWDATA'],
  [0xc001, 'ENF-FLOW-DESCRIPTION'],
  [0xc002, 'ENF-NETWORK-STATUS'],
  [0xc057, 'GOOG-NETWORK-INFO'],
  [0xc058, 'GOOG-LAST-ICE-CHECK-RECEIVED'],
  [0xc059, 'GOOG-MISC-INFO'],
  [0xc05a, 'GOOG-OBSOLETE-1'],
  [0xc05b, 'GOOG-CONNECTION-ID'],
  [0xc05c, 'GOOG-DELTA'],
  [0xc05d, 'GOOG-DELTA-ACK'],
  [0xc060, 'GOOG-MESSAGE-INTEGRITY-32'],
  [0xc070, 'DTLS-IN-STUN-DATA'],
  [0xc071, 'DTLS-IN-STUN-ACK'],
]);

export function attributeName(type: number): string {
  return ATTR_NAMES.get(type) ?? `UNKNOWN-0x${type.toString(16).padStart(4, '0')}`;
}

/** RFC 8489 §14: types 0x0000–0x7FFF are comprehension-required, 0x8000–0xFFFF comprehension-optional. */
export function isComprehensionRequired(type: number): boolean {
  return type < 0x8000;
}

/** Reason phrases of the IANA "STUN Error Codes" registry (RFC 8489 §14.8, RFC 8656 §17, RFC 6062, RFC 8445). */
export const ERROR_REASONS: ReadonlyMap<number, string> = new Map([
  [300, 'Try Alternate'],
  [400, 'Bad Request'],
  [401, 'Unauthorized'],
  [403, 'Forbidden'],
  [405, 'Mobility Forbidden'],
  [420, 'Unknown Attribute'],
  [437, 'Allocation Mismatch'],
  [438, 'Stale Nonce'],
  [440, 'Address Family not Supported'],
  [441, 'Wrong Credentials'],
  [442, 'Unsupported Transport Protocol'],
  [443, 'Peer Address Family Mismatch'],
  [446, 'Connection Already Exists'],
  [447, 'Connection Timeout or Failure'],
  [486, 'Allocation Quota Reached'],
  [487, 'Role Conflict'],
  [500, 'Server Error'],
  [508, 'Insufficient Capacity'],
]);

/** RFC 8489 §18.5: PASSWORD-ALGORITHM values. */
export const PasswordAlgorithm = { MD5: 0x0001, SHA256: 0x0002 } as const;

export function passwordAlgorithmName(a: number): string {
  return a === 1 ? 'MD5' : a === 2 ? 'SHA-256' : `0x${a.toString(16).padStart(4, '0')}`;
}

/** RFC 8656 §11 (channel numbers 0x4000–0x4FFF); RFC 5766 §11 allowed up to 0x7FFF. */
export const CHANNEL_MIN = 0x4000;
export const CHANNEL_MAX = 0x4fff;
export const CHANNEL_MAX_RFC5766 = 0x7fff;

export const hex16 = (v: number): string => `0x${v.toString(16).padStart(4, '0')}`;
