/**
 * `rtclab/capture`: reading pcap/pcapng captures (whole or streamed), dissecting packets like tshark, the one
 * dissection pass with its observers, inference of the story behind a capture, and writing traces as pcapng.
 */
export * from '../sim/wire/pcap/index.ts';
export { traceKeyLog } from '../sim/wire/pcap/pcapng-writer.ts';
export { dissectFrame, dissectPacket, allProblems, topLayer, type DissectContext } from '../sim/dissect/dissect.ts';
export type { DissectedPacket, Layer } from '../sim/dissect/types.ts';
export { Dissector, type DissectorOptions } from '../sim/dissect/dissector.ts';
export { packetToJson, layerToJson } from '../sim/dissect/json.ts';
export { DissectionPass, type PassHop, type PassObserver, type PassOptions } from '../sim/pass/pass.ts';
export { CaptureFeed, type CaptureFeedHooks } from '../sim/pass/capture-feed.ts';
export { CaptureAnalyzer } from '../sim/infer/analyzer.ts';
export { analyzeCapture, formatStory, type CaptureStory, type StoryOptions } from '../sim/infer/story.ts';
