/** One colour per protocol class, in PROTOCOLS order (model/packed.ts); readable on the dark background. */
export const PROTOCOL_COLOURS = [
  '#9aa5b1', // IP
  '#7fb3ff', // UDP
  '#c9a0ff', // TCP
  '#ffd166', // STUN
  '#f4a261', // TURN ChannelData
  '#ef6f9a', // DTLS
  '#5ad1a0', // RTP
  '#3fb6c6', // RTCP
  '#b5b5b5', // ZRTP
  '#ff8c69', // ICMP
];
export const DROP_COLOUR = '#ff5c5c';
export const REWRITE_COLOUR = '#ffb020';
export const CURSOR_COLOUR = '#ffe45c';
export const SELECT_COLOUR = '#ffffff';
export const LANE_COLOUR = '#3a4350';
export const TEXT_COLOUR = '#d8dee6';
export const MUTED_COLOUR = '#8a94a3';
export const BACKGROUND = '#151a21';

export function protocolColour(proto: number): string {
  return PROTOCOL_COLOURS[proto] ?? '#9aa5b1';
}
