/** The ICMP type/code pairs the simulated network sends and acts on (RFC 792, RFC 1191, RFC 4443). */
export const ICMP_TYPES = {
  v4: {
    echoReply: { type: 0, code: 0 },
    portUnreachable: { type: 3, code: 3 },
    /** RFC 1191 §4: Fragmentation Needed and DF set, with the next-hop MTU. */
    fragNeeded: { type: 3, code: 4 },
    echoRequest: { type: 8, code: 0 },
    timeExceeded: { type: 11, code: 0 },
    /** RFC 792: fragment reassembly time exceeded. */
    reassemblyTimeExceeded: { type: 11, code: 1 },
    /** RFC 792: Parameter Problem, the pointer naming the octet. */
    parameterProblem: { type: 12, code: 0 },
  },
  v6: {
    portUnreachable: { type: 1, code: 4 },
    packetTooBig: { type: 2, code: 0 },
    timeExceeded: { type: 3, code: 0 },
    reassemblyTimeExceeded: { type: 3, code: 1 },
    /** RFC 4443 §3.4: Parameter Problem, erroneous header field encountered (with a pointer). */
    erroneousHeaderField: { type: 4, code: 0 },
    echoRequest: { type: 128, code: 0 },
    echoReply: { type: 129, code: 0 },
  },
} as const;
