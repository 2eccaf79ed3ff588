import { applyCaptureEvent, emptyCapture } from './capture.ts';
import type { Capture, CaptureEvent, CaptureInterface } from './capture.ts';
import {
  PCAP_FILE_HEADER,
  pcapFileHeader,
  pcapInterface,
  pcapMagic,
  pcapPacket,
  pcapRecordHeader,
  type PcapFileHeader,
} from './pcap-classic.ts';
import { BT_SHB, BYTE_ORDER_MAGIC, blockName, decodeBlock, sectionHeader, type SectionContext } from './pcapng-blocks.ts';
import { Endian } from './pcapng-options.ts';

/** Larger records or blocks are refused: nobody captures a 256 MiB frame, but a corrupt length says so. */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;

const hex32 = (v: number): string => `0x${(v >>> 0).toString(16).padStart(8, '0')}`;

type State = 'start' | 'pcap-header' | 'pcap-record' | 'pcapng' | 'failed' | 'ended';

/**
 * A push-style incremental reader for pcap and pcapng (one code path for Node and the browser).
 *
 *   const r = new CaptureReader();
 *   for await (const chunk of stream) handle(r.push(chunk));
 *   handle(r.end());
 *
 * or, to dissect each packet as soon as it is framed, `r.pushEach(chunk, onEvent)` and `r.endEach(onEvent)`.
 * Bytes are copied only when a record or block straddles two chunks; packets are views into the pushed chunks,
 * so a chunk's memory must not be reused after it is pushed. A fatal problem (a framing that cannot be trusted)
 * stops reading; everything read before it has already been returned.
 */
export class CaptureReader {
  private state: State = 'start';
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  /** File offset of the first pending byte. */
  private offset = 0;
  /** Bytes the next unit (header, record, block) needs before it can be read. */
  private need = 4;
  private pcap: PcapFileHeader | undefined;
  private section: SectionContext | undefined;
  private sectionCount = 0;
  private interfaceCount = 0;
  private packetCount = 0;

  push(chunk: Uint8Array): CaptureEvent[] {
    const out: CaptureEvent[] = [];
    this.pushEach(chunk, (e) => out.push(e));
    return out;
  }

  /** Call once the input is over: reports a file that ends inside a header, record or block. */
  end(): CaptureEvent[] {
    const out: CaptureEvent[] = [];
    this.endEach((e) => out.push(e));
    return out;
  }

  /**
   * `push`, handing each event to `onEvent` as soon as it is read instead of returning a chunk's events as one list:
   * a packet can then be dissected and dropped before the next is framed, so nothing of a chunk waits (a list of a
   * chunk's thousands of packets outlives many young-generation collections). If `onEvent` throws, the reader is
   * left mid-chunk: do not push to it again.
   */
  pushEach(chunk: Uint8Array, onEvent: (e: CaptureEvent) => void): void {
    this.sink = onEvent;
    try {
      if (this.state === 'failed') return;
      if (this.state === 'ended') {
        onEvent({ kind: 'problem', problem: { offset: this.offset, length: 0, message: 'push() after end(): data ignored', fatal: false } });
        return;
      }
      if (chunk.length > 0) {
        this.pending.push(chunk);
        this.pendingBytes += chunk.length;
        this.drain();
      }
    } finally {
      this.sink = undefined;
    }
  }

  /** `end`, handing each event to `onEvent`. */
  endEach(onEvent: (e: CaptureEvent) => void): void {
    this.sink = onEvent;
    try {
      if (this.state === 'failed' || this.state === 'ended') return;
      if (this.state === 'start' && this.offset === 0 && this.pendingBytes === 0) {
        this.fail(0, 0, 'empty input: no pcap or pcapng header');
      } else if (this.pendingBytes > 0) {
        const corrupt = this.corruptLength();
        if (corrupt) this.fail(corrupt.offset, 4, corrupt.message);
        else this.fail(this.offset, this.pendingBytes, `truncated: the file ends inside ${this.unitName()} at offset ${this.offset} (${this.pendingBytes} of ${this.need} bytes present)`);
      } else {
        this.state = 'ended';
      }
    } finally {
      this.sink = undefined;
    }
  }

  /** Bytes read and handed out so far (the file offset of the next unit). */
  get position(): number {
    return this.offset;
  }

  /** Where events go while `pushEach` or `endEach` runs (set for the call only). */
  private sink: ((e: CaptureEvent) => void) | undefined;

  private emit(e: CaptureEvent): void {
    this.sink?.(e);
  }

  private unitName(): string {
    switch (this.state) {
      case 'start':
        return 'the file magic';
      case 'pcap-header':
        return 'the pcap file header';
      case 'pcap-record':
        return `packet record ${this.packetCount}`;
      default: {
        if (this.pendingBytes < 8 || !this.section) return 'a block header';
        const type = new Endian(this.gather(4), this.section.littleEndian).u32(0);
        const name = blockName(type);
        return `${/^[AEIOU]/i.test(name) ? 'an' : 'a'} ${name}`;
      }
    }
  }

  /**
   * The file ends inside a unit whose length field may be what is wrong, not the file's end: a pcapng block whose
   * leading total length runs past the end although a matching trailing length closes it earlier, or a pcap record
   * longer than the file's snaplen. Undefined when the file simply looks cut short.
   */
  private corruptLength(): { offset: number; message: string } | undefined {
    const at = this.offset;
    if (this.state === 'pcapng' && this.section && this.pendingBytes >= 12) {
      const buf = this.gather(this.pendingBytes);
      const e = new Endian(buf, this.section.littleEndian);
      const type = e.u32(0);
      const claimed = e.u32(4);
      for (let end = 12; end <= buf.length; end += 4) {
        if (e.u32(end - 4) !== end) continue;
        return {
          offset: at + 4,
          message: `${blockName(type)} at offset ${at} has block total length ${claimed}, past the end of the file, but a trailing length of ${end} closes it at offset ${at + end}: the length field is corrupt`,
        };
      }
    }
    if (this.state === 'pcap-record' && this.pcap && this.pendingBytes >= this.pcap.recordHeaderLength) {
      const r = pcapRecordHeader(this.gather(this.pcap.recordHeaderLength), 0, this.pcap.littleEndian);
      if (this.pcap.snaplen > 0 && r.capturedLength > this.pcap.snaplen) {
        return {
          offset: at + 8,
          message: `packet record ${this.packetCount} at offset ${at} claims a captured length of ${r.capturedLength} bytes, more than the file's snaplen ${this.pcap.snaplen} and past the end of the file: the length field is corrupt`,
        };
      }
    }
    return undefined;
  }

  private get failed(): boolean {
    return this.state === 'failed';
  }

  private fail(offset: number, length: number, message: string): void {
    this.emit({ kind: 'problem', problem: { offset, length, message, fatal: true } });
    this.state = 'failed';
    this.pending = [];
    this.pendingBytes = 0;
  }

  private problem(offset: number, length: number, message: string): void {
    this.emit({ kind: 'problem', problem: { offset, length, message, fatal: false } });
  }

  /** Reads every whole unit that is pending. Each pass consumes bytes or raises `need`, so it always ends. */
  private drain(): void {
    while (this.pendingBytes >= this.need && this.pendingBytes > 0) {
      const first = this.pending[0]!;
      const buf = first.length >= this.need ? first : this.gather(this.need);
      let pos = 0;
      for (;;) {
        const used = this.step(buf, pos);
        if (used === 0) break;
        pos += used;
        this.offset += used;
      }
      if (this.failed) return; // fail() already dropped what was pending
      if (pos === 0 && this.need <= buf.length) {
        this.fail(this.offset, 0, `internal error: reader made no progress at offset ${this.offset}`);
        return;
      }
      this.consume(pos);
    }
  }

  /** The first `n` pending bytes as one array (copied, since they straddle chunks). */
  private gather(n: number): Uint8Array {
    const buf = new Uint8Array(n);
    let o = 0;
    for (const c of this.pending) {
      const take = Math.min(c.length, n - o);
      buf.set(c.subarray(0, take), o);
      o += take;
      if (o === n) break;
    }
    return buf;
  }

  private consume(n: number): void {
    this.pendingBytes -= n;
    while (n > 0) {
      const c = this.pending[0]!;
      if (c.length <= n) {
        this.pending.shift();
        n -= c.length;
      } else {
        this.pending[0] = c.subarray(n);
        n = 0;
      }
    }
  }

  /**
   * Reads one unit at `buf[pos]` (file offset `this.offset`) and returns its length, or returns 0 after setting
   * `need` to the bytes the unit needs when fewer are available.
   */
  private step(buf: Uint8Array, pos: number): number {
    const avail = buf.length - pos;
    switch (this.state) {
      case 'start':
        return this.start(buf, pos, avail);
      case 'pcap-header':
        return this.pcapHeader(buf, pos, avail);
      case 'pcap-record':
        return this.pcapRecord(buf, pos, avail);
      case 'pcapng':
        return this.pcapngBlock(buf, pos, avail);
      default:
        return 0;
    }
  }

  private wait(n: number, avail: number): boolean {
    if (avail >= n) return false;
    this.need = n;
    return true;
  }

  private start(buf: Uint8Array, pos: number, avail: number): number {
    if (this.wait(4, avail)) return 0;
    const magic = new Endian(buf, false).u32(pos);
    if (magic === BT_SHB) {
      this.state = 'pcapng';
      this.need = 12;
      return this.pcapngBlock(buf, pos, avail);
    }
    if (pcapMagic(magic)) {
      this.state = 'pcap-header';
      return this.pcapHeader(buf, pos, avail);
    }
    const hint =
      magic >>> 16 === 0x1f8b ? ' (gzip-compressed: decompress it first)' : magic === 0x28b52ffd ? ' (zstd-compressed: decompress it first)' : '';
    this.fail(0, 4, `not a pcap or pcapng file: magic ${hex32(magic)} at offset 0${hint}`);
    return 0;
  }

  private pcapHeader(buf: Uint8Array, pos: number, avail: number): number {
    if (this.wait(PCAP_FILE_HEADER, avail)) return 0;
    const h = pcapFileHeader(buf.subarray(pos, pos + PCAP_FILE_HEADER));
    this.pcap = h;
    this.emit({ kind: 'format', format: 'pcap', littleEndian: h.littleEndian, magic: h.magic });
    if (h.major !== 2) this.problem(4, 4, `pcap version ${h.major}.${h.minor} at offset 4; only 2.4 is defined (read as 2.4)`);
    const iface: CaptureInterface = pcapInterface(h);
    this.interfaceCount = 1;
    this.emit({ kind: 'interface', iface });
    this.state = 'pcap-record';
    this.need = h.recordHeaderLength;
    return PCAP_FILE_HEADER;
  }

  private pcapRecord(buf: Uint8Array, pos: number, avail: number): number {
    const h = this.pcap!;
    if (this.wait(h.recordHeaderLength, avail)) return 0;
    const r = pcapRecordHeader(buf, pos, h.littleEndian);
    const at = this.offset;
    const index = this.packetCount;
    if (r.capturedLength > MAX_RECORD_BYTES) {
      this.fail(at + 8, 4, `packet record ${index} at offset ${at} claims a captured length of ${r.capturedLength} bytes (over the ${MAX_RECORD_BYTES}-byte limit): the file is corrupt from here`);
      return 0;
    }
    const total = h.recordHeaderLength + r.capturedLength;
    if (this.wait(total, avail)) return 0;
    this.packetCount++;
    const limit = h.resolution.ticksPerSecond;
    if (BigInt(r.fraction) >= limit) {
      this.problem(at + 4, 4, `packet record ${index} at offset ${at}: fractional timestamp ${r.fraction} is not below ${limit}`);
    }
    if (r.capturedLength === 0) this.problem(at + 8, 4, `packet record ${index} at offset ${at} has a zero-length frame`);
    if (h.snaplen > 0 && r.capturedLength > h.snaplen) {
      this.problem(at + 8, 4, `packet record ${index} at offset ${at}: captured length ${r.capturedLength} exceeds the snaplen ${h.snaplen}`);
    }
    if (r.capturedLength > r.originalLength) {
      this.problem(at + 8, 8, `packet record ${index} at offset ${at}: captured length ${r.capturedLength} exceeds the original length ${r.originalLength}`);
    }
    const packet = pcapPacket(buf, pos, at, index, h, r);
    this.emit({ kind: 'packet', packet });
    this.need = h.recordHeaderLength;
    return total;
  }

  private pcapngBlock(buf: Uint8Array, pos: number, avail: number): number {
    if (this.wait(8, avail)) return 0;
    const at = this.offset;
    const typeBe = word(buf, pos, false);
    let le: boolean;
    if (typeBe === BT_SHB) {
      if (this.wait(12, avail)) return 0;
      const bom = word(buf, pos + 8, false);
      if (bom === BYTE_ORDER_MAGIC) le = false;
      else if (bom === 0x4d3c2b1a) le = true;
      else {
        this.fail(at + 8, 4, `Section Header Block at offset ${at} has byte-order magic ${hex32(bom)}, neither 0x1a2b3c4d nor 0x4d3c2b1a`);
        return 0;
      }
    } else {
      le = this.section!.littleEndian;
    }
    const type = word(buf, pos, le);
    const length = word(buf, pos + 4, le);
    if (length < 12 || (type === BT_SHB && length < 28)) {
      this.fail(at + 4, 4, `${blockName(type)} at offset ${at} has block total length ${length}, less than the ${type === BT_SHB ? 28 : 12}-byte minimum`);
      return 0;
    }
    if (length % 4 !== 0) {
      this.fail(at + 4, 4, `${blockName(type)} at offset ${at} has block total length ${length}, not a multiple of 4`);
      return 0;
    }
    if (length > MAX_RECORD_BYTES) {
      this.fail(at + 4, 4, `${blockName(type)} at offset ${at} has block total length ${length} (over the ${MAX_RECORD_BYTES}-byte limit): the file is corrupt from here`);
      return 0;
    }
    if (this.wait(length, avail)) return 0;
    const trailing = word(buf, pos + length - 4, le);
    if (trailing !== length) {
      this.fail(at + length - 4, 4, `${blockName(type)} at offset ${at}: trailing block total length ${trailing} differs from the leading ${length}`);
      return 0;
    }
    const block = new Endian(buf.subarray(pos, pos + length), le);
    if (type === BT_SHB) this.sectionHeader(block, at);
    else decodeBlock(type, block, at, this.section!);
    this.need = 8;
    return length;
  }

  private sectionHeader(e: Endian, at: number): void {
    const h = sectionHeader(e);
    if (h.major !== 1) {
      this.fail(at + 12, 4, `Section Header Block at offset ${at} has version ${h.major}.${h.minor}; only 1.x can be read`);
      return;
    }
    const index = this.sectionCount++;
    if (index === 0) this.emit({ kind: 'format', format: 'pcapng', littleEndian: e.littleEndian, magic: BT_SHB });
    const section: SectionContext = {
      section: index,
      littleEndian: e.littleEndian,
      interfaces: [],
      nextInterfaceId: this.interfaceCount,
      nextPacketIndex: this.packetCount,
      blockOffset: at,
      emit: (ev) => {
        if (ev.kind === 'interface') this.interfaceCount = ev.iface.id + 1;
        if (ev.kind === 'packet') this.packetCount = ev.packet.index + 1;
        this.emit(ev);
      },
      problem: (rel, length, message) => this.problem(section.blockOffset + rel, length, message),
    };
    this.section = section;
    this.emit({
      kind: 'section',
      section: {
        index,
        offset: at,
        littleEndian: e.littleEndian,
        version: `${h.major}.${h.minor}`,
        ...(h.hardware !== undefined ? { hardware: h.hardware } : {}),
        ...(h.os !== undefined ? { os: h.os } : {}),
        ...(h.userappl !== undefined ? { userappl: h.userappl } : {}),
      },
    });
    for (const text of h.comments) this.emit({ kind: 'comment', comment: { offset: at, where: 'section', text } });
    if (h.optionProblem) this.problem(at + h.optionProblem.at, 4, `Section Header Block at offset ${at}: ${h.optionProblem.message}`);
  }
}

/** The 32-bit word at `at` (the caller has checked it is there): block framing is read before any block reader. */
function word(b: Uint8Array, at: number, le: boolean): number {
  return le ? b[at + 3]! * 0x1000000 + ((b[at + 2]! << 16) | (b[at + 1]! << 8) | b[at]!) : b[at]! * 0x1000000 + ((b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!);
}

/** Reads a whole capture held in memory. */
export function readCapture(bytes: Uint8Array): Capture {
  const c = emptyCapture();
  const r = new CaptureReader();
  for (const e of r.push(bytes)) applyCaptureEvent(c, e);
  for (const e of r.end()) applyCaptureEvent(c, e);
  return c;
}
