/**
 * A small GGUF v3 writer (the file format of llama.cpp, ggml/src/gguf.cpp): the header, metadata
 * key/values, tensor infos, then the tensor data, each tensor padded to `general.alignment`.
 * Tensor data is streamed from generators in chunks, so memory stays bounded for multi-GB
 * models; the file is written beside its destination under a temporary name and renamed when
 * complete, so a reader never sees half a model.
 */
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** Metadata value types (enum gguf_type). */
export const GgufType = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;
export type GgufType = (typeof GgufType)[keyof typeof GgufType];

/** The tensor types this writer knows the sizes of (enum ggml_type). */
export const GgmlType = { F32: 0, F16: 1, Q8_0: 8 } as const;
export type GgmlType = (typeof GgmlType)[keyof typeof GgmlType];

/** Elements per block and bytes per block of each type (ggml's type traits). */
const BLOCK: Record<GgmlType, { elements: number; bytes: number }> = {
  [GgmlType.F32]: { elements: 1, bytes: 4 },
  [GgmlType.F16]: { elements: 1, bytes: 2 },
  [GgmlType.Q8_0]: { elements: 32, bytes: 34 },
};

export function ggmlTypeName(type: GgmlType): string {
  return type === GgmlType.F32 ? 'F32' : type === GgmlType.F16 ? 'F16' : 'Q8_0';
}

/** Bytes of a tensor of `dims` (ggml order: dims[0] is the row length) and `type`. */
export function tensorBytes(dims: readonly number[], type: GgmlType): number {
  const block = BLOCK[type];
  const row = dims[0] ?? 1;
  if (row % block.elements !== 0) {
    throw new Error(
      `a ${ggmlTypeName(type)} row must hold a multiple of ${block.elements} elements, not ${row}`,
    );
  }
  const elements = dims.reduce((a, b) => a * b, 1);
  return (elements / block.elements) * block.bytes;
}

export function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}

/** A metadata value with its GGUF type. Arrays hold scalars or strings of one type. */
export type MetadataValue =
  | {
      type: 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64';
      value: number;
    }
  | { type: 'uint64' | 'int64'; value: bigint }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'array'; of: 'string'; value: readonly string[] }
  | { type: 'array'; of: 'int32' | 'uint32' | 'float32'; value: ArrayLike<number> };

export const meta = {
  u32: (value: number): MetadataValue => ({ type: 'uint32', value }),
  i32: (value: number): MetadataValue => ({ type: 'int32', value }),
  f32: (value: number): MetadataValue => ({ type: 'float32', value }),
  bool: (value: boolean): MetadataValue => ({ type: 'bool', value }),
  str: (value: string): MetadataValue => ({ type: 'string', value }),
  strings: (value: readonly string[]): MetadataValue => ({ type: 'array', of: 'string', value }),
  i32s: (value: ArrayLike<number>): MetadataValue => ({ type: 'array', of: 'int32', value }),
  f32s: (value: ArrayLike<number>): MetadataValue => ({ type: 'array', of: 'float32', value }),
};

export interface TensorSpec {
  /** At most 63 bytes (GGML_MAX_NAME). */
  name: string;
  /** ggml order: dims[0] is the innermost (row) dimension. */
  dims: readonly number[];
  type: GgmlType;
  /** Yields the tensor's bytes in order, in chunks of any size; exactly tensorBytes(dims, type). */
  data: () => Iterable<Uint8Array>;
}

export interface GgufContent {
  /** Written in this order; `general.alignment` is added first when absent. */
  metadata: ReadonlyArray<readonly [string, MetadataValue]>;
  tensors: readonly TensorSpec[];
  alignment?: number;
}

const SCALAR: Record<string, { code: GgufType; size: number }> = {
  uint8: { code: GgufType.UINT8, size: 1 },
  int8: { code: GgufType.INT8, size: 1 },
  uint16: { code: GgufType.UINT16, size: 2 },
  int16: { code: GgufType.INT16, size: 2 },
  uint32: { code: GgufType.UINT32, size: 4 },
  int32: { code: GgufType.INT32, size: 4 },
  float32: { code: GgufType.FLOAT32, size: 4 },
  float64: { code: GgufType.FLOAT64, size: 8 },
  uint64: { code: GgufType.UINT64, size: 8 },
  int64: { code: GgufType.INT64, size: 8 },
  bool: { code: GgufType.BOOL, size: 1 },
};

/** A growable little-endian byte buffer for the header. */
class ByteSink {
  #buf = new Uint8Array(1 << 16);
  #view = new DataView(this.#buf.buffer);
  length = 0;

  #reserve(n: number): void {
    if (this.length + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.length));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.#reserve(1);
    this.#view.setUint8(this.length, v);
    this.length += 1;
  }
  i8(v: number): void {
    this.#reserve(1);
    this.#view.setInt8(this.length, v);
    this.length += 1;
  }
  u16(v: number): void {
    this.#reserve(2);
    this.#view.setUint16(this.length, v, true);
    this.length += 2;
  }
  i16(v: number): void {
    this.#reserve(2);
    this.#view.setInt16(this.length, v, true);
    this.length += 2;
  }
  u32(v: number): void {
    this.#reserve(4);
    this.#view.setUint32(this.length, v, true);
    this.length += 4;
  }
  i32(v: number): void {
    this.#reserve(4);
    this.#view.setInt32(this.length, v, true);
    this.length += 4;
  }
  f32(v: number): void {
    this.#reserve(4);
    this.#view.setFloat32(this.length, v, true);
    this.length += 4;
  }
  f64(v: number): void {
    this.#reserve(8);
    this.#view.setFloat64(this.length, v, true);
    this.length += 8;
  }
  u64(v: number | bigint): void {
    this.#reserve(8);
    this.#view.setBigUint64(this.length, BigInt(v), true);
    this.length += 8;
  }
  i64(v: bigint): void {
    this.#reserve(8);
    this.#view.setBigInt64(this.length, v, true);
    this.length += 8;
  }
  bytes(b: Uint8Array): void {
    this.#reserve(b.length);
    this.#buf.set(b, this.length);
    this.length += b.length;
  }
  /** GGUF string: u64 byte length, then UTF-8 bytes, no terminator. */
  str(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.bytes(b);
  }
  padTo(alignment: number): void {
    const n = alignUp(this.length, alignment) - this.length;
    this.#reserve(n);
    this.#buf.fill(0, this.length, this.length + n);
    this.length += n;
  }
  result(): Uint8Array {
    return this.#buf.subarray(0, this.length);
  }
}

function writeScalar(sink: ByteSink, type: string, value: number | bigint | boolean): void {
  switch (type) {
    case 'uint8':
      sink.u8(value as number);
      break;
    case 'int8':
      sink.i8(value as number);
      break;
    case 'uint16':
      sink.u16(value as number);
      break;
    case 'int16':
      sink.i16(value as number);
      break;
    case 'uint32':
      sink.u32(value as number);
      break;
    case 'int32':
      sink.i32(value as number);
      break;
    case 'float32':
      sink.f32(value as number);
      break;
    case 'float64':
      sink.f64(value as number);
      break;
    case 'uint64':
      sink.u64(value as bigint);
      break;
    case 'int64':
      sink.i64(value as bigint);
      break;
    case 'bool':
      sink.u8(value ? 1 : 0);
      break;
    default:
      throw new Error(`unknown metadata type ${type}`);
  }
}

function writeValue(sink: ByteSink, key: string, v: MetadataValue): void {
  if (v.type === 'string') {
    sink.u32(GgufType.STRING);
    sink.str(v.value);
    return;
  }
  if (v.type === 'array') {
    sink.u32(GgufType.ARRAY);
    if (v.of === 'string') {
      sink.u32(GgufType.STRING);
      sink.u64(v.value.length);
      for (const s of v.value) sink.str(s);
      return;
    }
    const scalar = SCALAR[v.of];
    if (!scalar) throw new Error(`metadata ${key}: unknown array element type ${v.of}`);
    sink.u32(scalar.code);
    sink.u64(v.value.length);
    for (let i = 0; i < v.value.length; i++) writeScalar(sink, v.of, v.value[i] as number);
    return;
  }
  const scalar = SCALAR[v.type];
  if (!scalar) throw new Error(`metadata ${key}: unknown type ${(v as { type: string }).type}`);
  sink.u32(scalar.code);
  writeScalar(sink, v.type, v.value);
}

export interface TensorLayout {
  name: string;
  dims: readonly number[];
  type: GgmlType;
  /** From the start of the data section; a multiple of the alignment. */
  offset: number;
  bytes: number;
}

/** Where each tensor goes: consecutive, each padded to the alignment (as gguf.cpp requires). */
export function layoutTensors(tensors: readonly TensorSpec[], alignment: number): TensorLayout[] {
  let offset = 0;
  return tensors.map((t) => {
    const bytes = tensorBytes(t.dims, t.type);
    const layout = { name: t.name, dims: t.dims, type: t.type, offset, bytes };
    offset += alignUp(bytes, alignment);
    return layout;
  });
}

/** The header, metadata and tensor infos, padded so the data section starts aligned. */
export function encodeHeader(content: GgufContent): { header: Uint8Array; layout: TensorLayout[] } {
  const alignment = content.alignment ?? GGUF_DEFAULT_ALIGNMENT;
  if (!Number.isInteger(alignment) || alignment <= 0 || (alignment & (alignment - 1)) !== 0) {
    throw new Error(`alignment must be a power of two, not ${alignment}`);
  }
  const metadata = content.metadata.some(([k]) => k === 'general.alignment')
    ? content.metadata
    : [['general.alignment', meta.u32(alignment)] as const, ...content.metadata];
  const keys = new Set<string>();
  for (const [key] of metadata) {
    if (keys.has(key)) throw new Error(`metadata key ${key} appears twice`);
    keys.add(key);
  }
  const names = new Set<string>();
  for (const t of content.tensors) {
    if (Buffer.byteLength(t.name) > 63) throw new Error(`tensor name ${t.name} is longer than 63 bytes`);
    if (names.has(t.name)) throw new Error(`tensor ${t.name} appears twice`);
    if (t.dims.length < 1 || t.dims.length > 4)
      throw new Error(`tensor ${t.name} must have 1 to 4 dimensions`);
    names.add(t.name);
  }
  const layout = layoutTensors(content.tensors, alignment);

  const sink = new ByteSink();
  sink.u32(GGUF_MAGIC);
  sink.u32(GGUF_VERSION);
  sink.u64(content.tensors.length);
  sink.u64(metadata.length);
  for (const [key, value] of metadata) {
    sink.str(key);
    writeValue(sink, key, value);
  }
  for (const t of layout) {
    sink.str(t.name);
    sink.u32(t.dims.length);
    for (const d of t.dims) sink.u64(d);
    sink.u32(t.type);
    sink.u64(t.offset);
  }
  sink.padTo(alignment);
  return { header: sink.result(), layout };
}

/** Bytes per write: chunks are gathered up to this size before each write. */
const WRITE_CHUNK = 4 << 20;

export interface WriteResult {
  path: string;
  bytes: number;
  dataOffset: number;
  layout: TensorLayout[];
}

/**
 * Writes `content` to `path` atomically: to a temporary file in the same directory, renamed
 * over `path` once every byte is written and flushed. The temporary file is removed on error.
 */
export async function writeGguf(path: string, content: GgufContent): Promise<WriteResult> {
  const alignment = content.alignment ?? GGUF_DEFAULT_ALIGNMENT;
  const { header, layout } = encodeHeader(content);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const file = await open(tmp, 'wx');
  let written = 0;
  try {
    const buf = new Uint8Array(WRITE_CHUNK);
    let used = 0;
    const flush = async (): Promise<void> => {
      let off = 0;
      while (off < used) {
        const { bytesWritten } = await file.write(buf, off, used - off);
        off += bytesWritten;
      }
      written += used;
      used = 0;
    };
    const push = async (chunk: Uint8Array): Promise<void> => {
      let off = 0;
      while (off < chunk.length) {
        const n = Math.min(chunk.length - off, buf.length - used);
        buf.set(chunk.subarray(off, off + n), used);
        used += n;
        off += n;
        if (used === buf.length) await flush();
      }
    };
    await push(header);
    for (const [i, spec] of content.tensors.entries()) {
      const t = layout[i] as TensorLayout;
      let n = 0;
      for (const chunk of spec.data()) {
        n += chunk.length;
        if (n > t.bytes) throw new Error(`tensor ${t.name} yielded more than its ${t.bytes} bytes`);
        await push(chunk);
      }
      if (n !== t.bytes) throw new Error(`tensor ${t.name} yielded ${n} bytes, expected ${t.bytes}`);
      const pad = alignUp(t.bytes, alignment) - t.bytes;
      if (pad > 0) await push(new Uint8Array(pad));
    }
    await flush();
    await file.sync();
    await file.close();
  } catch (err) {
    await file.close().catch(() => {});
    await rm(tmp, { force: true });
    throw err;
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return { path, bytes: written, dataOffset: header.length, layout };
}
