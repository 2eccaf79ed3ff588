import { PROTOCOL_CLASSES } from '../../sim/dissect/registry.ts';

/** One colour per protocol class, by class index (model/packed.ts PROTOCOLS): each protocol's own, from the registry. */
export const PROTOCOL_COLOURS: readonly string[] = PROTOCOL_CLASSES.map((c) => c.colour);
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
