/** Reading and writing pcap and pcapng: the public surface of sim/wire/pcap. */
export * from './capture.ts';
export { CaptureReader, readCapture, MAX_RECORD_BYTES } from './capture-reader.ts';
export { captureToTrace, type CaptureToTraceOptions } from './capture-to-trace.ts';
export { decodeLinkLayer, type LinkLayer } from './link-layer.ts';
export * from './linktype.ts';
export { writePcapng, writePcapngChunks, hopComment, type PcapngWriteOptions } from './pcapng-writer.ts';
export { PcapngEncoder } from './pcapng-encode.ts';
export { writePcap, type PcapRecord, type PcapWriteOptions } from './pcap-writer.ts';
export { SECRETS_TLS_KEY_LOG } from './pcapng-blocks.ts';
