/**
 * SCTP registries as IANA names them ("Stream Control Transmission Protocol (SCTP) Parameters"): chunk types,
 * parameter types, error cause codes, and the WebRTC payload protocol identifiers (RFC 8831 §8, RFC 8832 §8.1).
 */

/** Chunk types (RFC 9260 §3.2, RFC 3758, RFC 4895, RFC 5061, RFC 6525, RFC 8260, RFC 4820). */
export const ChunkType = {
  DATA: 0,
  INIT: 1,
  INIT_ACK: 2,
  SACK: 3,
  HEARTBEAT: 4,
  HEARTBEAT_ACK: 5,
  ABORT: 6,
  SHUTDOWN: 7,
  SHUTDOWN_ACK: 8,
  ERROR: 9,
  COOKIE_ECHO: 10,
  COOKIE_ACK: 11,
  ECNE: 12,
  CWR: 13,
  SHUTDOWN_COMPLETE: 14,
  AUTH: 15,
  I_DATA: 64,
  ASCONF_ACK: 0x80,
  RE_CONFIG: 0x82,
  PAD: 0x84,
  FORWARD_TSN: 0xc0,
  ASCONF: 0xc1,
  I_FORWARD_TSN: 0xc2,
} as const;

const CHUNK_NAMES: Readonly<Record<number, string>> = {
  0: 'DATA',
  1: 'INIT',
  2: 'INIT-ACK',
  3: 'SACK',
  4: 'HEARTBEAT',
  5: 'HEARTBEAT-ACK',
  6: 'ABORT',
  7: 'SHUTDOWN',
  8: 'SHUTDOWN-ACK',
  9: 'ERROR',
  10: 'COOKIE-ECHO',
  11: 'COOKIE-ACK',
  12: 'ECNE',
  13: 'CWR',
  14: 'SHUTDOWN-COMPLETE',
  15: 'AUTH', // RFC 4895
  64: 'I-DATA', // RFC 8260
  0x80: 'ASCONF-ACK', // RFC 5061
  0x82: 'RE-CONFIG', // RFC 6525
  0x84: 'PAD', // RFC 4820
  0xc0: 'FORWARD-TSN', // RFC 3758
  0xc1: 'ASCONF', // RFC 5061
  0xc2: 'I-FORWARD-TSN', // RFC 8260
};

export function chunkTypeName(t: number): string {
  return CHUNK_NAMES[t] ?? `chunk type ${t}`;
}

/** RFC 9260 §3.2: the two high bits of an unknown chunk type say what the receiver does with it. */
export function unknownChunkAction(t: number): string {
  switch (t >> 6) {
    case 0:
      return 'stop processing, discard the packet';
    case 1:
      return 'stop processing, discard the packet, report it in an ERROR chunk';
    case 2:
      return 'skip this chunk and continue';
    default:
      return 'skip this chunk, continue and report it in an ERROR chunk';
  }
}

/** Parameter types (RFC 9260 §3.3.2.1, RFC 3758, RFC 4895, RFC 5061, RFC 6525, RFC 9653). */
export const ParamType = {
  HEARTBEAT_INFO: 1,
  IPV4_ADDRESS: 5,
  IPV6_ADDRESS: 6,
  STATE_COOKIE: 7,
  UNRECOGNIZED_PARAMETER: 8,
  COOKIE_PRESERVATIVE: 9,
  HOST_NAME_ADDRESS: 11,
  SUPPORTED_ADDRESS_TYPES: 12,
  OUTGOING_SSN_RESET: 13,
  INCOMING_SSN_RESET: 14,
  SSN_TSN_RESET: 15,
  RECONFIG_RESPONSE: 16,
  ADD_OUTGOING_STREAMS: 17,
  ADD_INCOMING_STREAMS: 18,
  ECN_CAPABLE: 0x8000,
  ZERO_CHECKSUM_ACCEPTABLE: 0x8001,
  RANDOM: 0x8002,
  CHUNK_LIST: 0x8003,
  REQUESTED_HMAC_ALGORITHM: 0x8004,
  PADDING: 0x8005,
  SUPPORTED_EXTENSIONS: 0x8008,
  FORWARD_TSN_SUPPORTED: 0xc000,
  ADAPTATION_LAYER_INDICATION: 0xc006,
} as const;

const PARAM_NAMES: Readonly<Record<number, string>> = {
  1: 'Heartbeat Info',
  5: 'IPv4 Address',
  6: 'IPv6 Address',
  7: 'State Cookie',
  8: 'Unrecognized Parameter',
  9: 'Cookie Preservative',
  11: 'Host Name Address',
  12: 'Supported Address Types',
  13: 'Outgoing SSN Reset Request', // RFC 6525 §4.1
  14: 'Incoming SSN Reset Request', // RFC 6525 §4.2
  15: 'SSN/TSN Reset Request', // RFC 6525 §4.3
  16: 'Re-configuration Response', // RFC 6525 §4.4
  17: 'Add Outgoing Streams Request', // RFC 6525 §4.5
  18: 'Add Incoming Streams Request', // RFC 6525 §4.6
  0x8000: 'ECN Capable',
  0x8001: 'Zero Checksum Acceptable', // RFC 9653
  0x8002: 'Random', // RFC 4895
  0x8003: 'Chunk List',
  0x8004: 'Requested HMAC Algorithm',
  0x8005: 'Padding', // RFC 4820
  0x8008: 'Supported Extensions', // RFC 5061 §4.2.7
  0xc000: 'Forward-TSN-Supported', // RFC 3758 §3.1
  0xc001: 'Add IP Address', // RFC 5061
  0xc002: 'Delete IP Address',
  0xc003: 'Error Cause Indication',
  0xc004: 'Set Primary Address',
  0xc005: 'Success Indication',
  0xc006: 'Adaptation Layer Indication',
};

export function paramTypeName(t: number): string {
  return PARAM_NAMES[t] ?? `parameter type 0x${t.toString(16).padStart(4, '0')}`;
}

/** Error cause codes (RFC 9260 §3.3.10, RFC 5061, RFC 4895). */
const CAUSE_NAMES: Readonly<Record<number, string>> = {
  1: 'Invalid Stream Identifier',
  2: 'Missing Mandatory Parameter',
  3: 'Stale Cookie Error',
  4: 'Out of Resource',
  5: 'Unresolvable Address',
  6: 'Unrecognized Chunk Type',
  7: 'Invalid Mandatory Parameter',
  8: 'Unrecognized Parameters',
  9: 'No User Data',
  10: 'Cookie Received While Shutting Down',
  11: 'Restart of an Association with New Addresses',
  12: 'User-Initiated Abort',
  13: 'Protocol Violation',
  0xa0: 'Request to Delete Last Remaining IP Address',
  0xa1: 'Operation Refused Due to Resource Shortage',
  0xa2: 'Request to Delete Source IP Address',
  0xa3: 'Association Aborted Due to Illegal ASCONF-ACK',
  0xa4: 'Request Refused - No Authorization',
  0x105: 'Unsupported HMAC Identifier',
};

export function causeName(code: number): string {
  return CAUSE_NAMES[code] ?? `cause ${code}`;
}

/** RFC 6525 §4.4 Re-configuration Response results. */
const RECONFIG_RESULTS: Readonly<Record<number, string>> = {
  0: 'Success - Nothing to do',
  1: 'Success - Performed',
  2: 'Denied',
  3: 'Error - Wrong SSN',
  4: 'Error - Request already in progress',
  5: 'Error - Bad Sequence Number',
  6: 'In progress',
};

export function reconfigResultName(r: number): string {
  return RECONFIG_RESULTS[r] ?? `result ${r}`;
}

/** Payload protocol identifiers WebRTC uses (RFC 8831 §8, RFC 8832 §8.1; IANA sctp-parameters-25). */
export const Ppid = {
  DCEP: 50,
  STRING: 51,
  /** Deprecated (RFC 8831 §8: "WebRTC Binary Partial"). */
  BINARY_PARTIAL: 52,
  BINARY: 53,
  /** Deprecated (RFC 8831 §8: "WebRTC String Partial"). */
  STRING_PARTIAL: 54,
  STRING_EMPTY: 56,
  BINARY_EMPTY: 57,
} as const;

const PPID_NAMES: Readonly<Record<number, string>> = {
  0: 'unspecified',
  50: 'WebRTC DCEP',
  51: 'WebRTC String',
  52: 'WebRTC Binary Partial (deprecated)',
  53: 'WebRTC Binary',
  54: 'WebRTC String Partial (deprecated)',
  56: 'WebRTC String Empty',
  57: 'WebRTC Binary Empty',
};

export function ppidName(p: number): string {
  return PPID_NAMES[p] ?? `PPID ${p}`;
}

/** RFC 9653 §5: the error detection method for SCTP carried in DTLS (RFC 8261). */
export const EDMID_SCTP_OVER_DTLS = 1;
