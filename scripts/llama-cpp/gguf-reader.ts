/**
 * Reads back a GGUF file's header, metadata and tensor infos (the parts gguf-writer.ts writes),
 * reading the file in pieces as far as the header goes, and a tensor's raw bytes on request.
 * Used by the tests to check what the writer produced.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import {
  alignUp,
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GgmlType,
  GgufType,
  tensorBytes,
} from './gguf-writer.ts';

export type GgufValue = number | bigint | boolean | string | GgufValue[];

export interface GgufTensorInfo {
  name: string;
  dims: number[];
  type: number;
  /** From the start of the data section. */
  offset: number;
}

export interface GgufFile {
  version: number;
  metadata: Map<string, { type: number; arrayType?: number; value: GgufValue }>;
  tensors: GgufTensorInfo[];
  alignment: number;
  /** File offset of the data section. */
  dataOffset: number;
  fileSize: number;
}

class FileCursor {
  readonly #fd: number;
  #buf = Buffer.alloc(0);
  #bufStart = 0;
  pos = 0;

  constructor(fd: number) {
    this.#fd = fd;
  }

  #ensure(n: number): void {
    const end = this.pos + n;
    if (end <= this.#bufStart + this.#buf.length) return;
    const size = Math.max(n, 1 << 20);
    const buf = Buffer.alloc(size);
    const got = readSync(this.#fd, buf, 0, size, this.pos);
    if (got < n) throw new Error(`GGUF file ends at byte ${this.pos + got}, inside the header`);
    this.#buf = buf.subarray(0, got);
    this.#bufStart = this.pos;
  }

  #take(n: number): number {
    this.#ensure(n);
    const at = this.pos - this.#bufStart;
    this.pos += n;
    return at;
  }

  u8(): number {
    const at = this.#take(1);
    return this.#buf.readUInt8(at);
  }
  i8(): number {
    const at = this.#take(1);
    return this.#buf.readInt8(at);
  }
  u16(): number {
    const at = this.#take(2);
    return this.#buf.readUInt16LE(at);
  }
  i16(): number {
    const at = this.#take(2);
    return this.#buf.readInt16LE(at);
  }
  u32(): number {
    const at = this.#take(4);
    return this.#buf.readUInt32LE(at);
  }
  i32(): number {
    const at = this.#take(4);
    return this.#buf.readInt32LE(at);
  }
  f32(): number {
    const at = this.#take(4);
    return this.#buf.readFloatLE(at);
  }
  f64(): number {
    const at = this.#take(8);
    return this.#buf.readDoubleLE(at);
  }
  u64(): bigint {
    const at = this.#take(8);
    return this.#buf.readBigUInt64LE(at);
  }
  i64(): bigint {
    const at = this.#take(8);
    return this.#buf.readBigInt64LE(at);
  }
  /** A u64 that must fit a JS number. */
  count(): number {
    const v = this.u64();
    if (v > BigInt(Number.MAX_SAFE_INTEGER))
      throw new Error(`count ${v} at byte ${this.pos - 8} is too large`);
    return Number(v);
  }
  str(): string {
    const n = this.count();
    const at = this.#take(n);
    return this.#buf.toString('utf8', at, at + n);
  }
}

function readScalar(c: FileCursor, type: number): GgufValue {
  switch (type) {
    case GgufType.UINT8:
      return c.u8();
    case GgufType.INT8:
      return c.i8();
    case GgufType.UINT16:
      return c.u16();
    case GgufType.INT16:
      return c.i16();
    case GgufType.UINT32:
      return c.u32();
    case GgufType.INT32:
      return c.i32();
    case GgufType.FLOAT32:
      return c.f32();
    case GgufType.FLOAT64:
      return c.f64();
    case GgufType.UINT64:
      return c.u64();
    case GgufType.INT64:
      return c.i64();
    case GgufType.BOOL: {
      const b = c.u8();
      if (b > 1) throw new Error(`bool value ${b} at byte ${c.pos - 1}`);
      return b === 1;
    }
    case GgufType.STRING:
      return c.str();
    default:
      throw new Error(`unknown GGUF value type ${type} at byte ${c.pos - 4}`);
  }
}

export function readGguf(path: string): GgufFile {
  const fd = openSync(path, 'r');
  try {
    const fileSize = fstatSync(fd).size;
    const c = new FileCursor(fd);
    const magic = c.u32();
    if (magic !== GGUF_MAGIC) throw new Error(`not a GGUF file: magic 0x${magic.toString(16)}`);
    const version = c.u32();
    const nTensors = c.count();
    const nKv = c.count();
    const metadata: GgufFile['metadata'] = new Map();
    for (let i = 0; i < nKv; i++) {
      const key = c.str();
      const type = c.u32();
      if (metadata.has(key)) throw new Error(`duplicate metadata key ${key}`);
      if (type === GgufType.ARRAY) {
        const arrayType = c.u32();
        const n = c.count();
        const value: GgufValue[] = new Array(n);
        for (let j = 0; j < n; j++) value[j] = readScalar(c, arrayType);
        metadata.set(key, { type, arrayType, value });
      } else {
        metadata.set(key, { type, value: readScalar(c, type) });
      }
    }
    const tensors: GgufTensorInfo[] = [];
    for (let i = 0; i < nTensors; i++) {
      const name = c.str();
      const nDims = c.u32();
      const dims: number[] = [];
      for (let d = 0; d < nDims; d++) dims.push(c.count());
      const type = c.u32();
      const offset = c.count();
      tensors.push({ name, dims, type, offset });
    }
    const alignmentKv = metadata.get('general.alignment');
    const alignment = alignmentKv ? (alignmentKv.value as number) : GGUF_DEFAULT_ALIGNMENT;
    return { version, metadata, tensors, alignment, dataOffset: alignUp(c.pos, alignment), fileSize };
  } finally {
    closeSync(fd);
  }
}

/** The value of a metadata key, or an error naming the key. */
export function metaValue(file: GgufFile, key: string): GgufValue {
  const kv = file.metadata.get(key);
  if (kv === undefined) throw new Error(`GGUF metadata has no key ${key}`);
  return kv.value;
}

/** A tensor's raw bytes. */
export function readTensorBytes(path: string, file: GgufFile, name: string): Buffer {
  const t = file.tensors.find((x) => x.name === name);
  if (!t) throw new Error(`GGUF file has no tensor ${name}`);
  const bytes = tensorBytes(t.dims, t.type as GgmlType);
  const buf = Buffer.alloc(bytes);
  const fd = openSync(path, 'r');
  try {
    const got = readSync(fd, buf, 0, bytes, file.dataOffset + t.offset);
    if (got !== bytes) throw new Error(`tensor ${name} is cut short: ${got} of ${bytes} bytes`);
  } finally {
    closeSync(fd);
  }
  return buf;
}

/** A tensor's values as floats (F32, F16 and Q8_0). */
export function readTensorFloats(path: string, file: GgufFile, name: string): Float32Array {
  const t = file.tensors.find((x) => x.name === name);
  if (!t) throw new Error(`GGUF file has no tensor ${name}`);
  const buf = readTensorBytes(path, file, name);
  const n = t.dims.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  if (t.type === GgmlType.F32) {
    for (let i = 0; i < n; i++) out[i] = buf.readFloatLE(i * 4);
  } else if (t.type === GgmlType.F16) {
    for (let i = 0; i < n; i++) out[i] = halfToFloat(buf.readUInt16LE(i * 2));
  } else if (t.type === GgmlType.Q8_0) {
    for (let b = 0; b < n / 32; b++) {
      const d = halfToFloat(buf.readUInt16LE(b * 34));
      for (let j = 0; j < 32; j++) out[b * 32 + j] = d * buf.readInt8(b * 34 + 2 + j);
    }
  } else {
    throw new Error(`tensor ${name} has type ${t.type}, which this reader does not decode`);
  }
  return out;
}

export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}
