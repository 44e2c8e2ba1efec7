/**
 * A minimal WebAssembly binary encoder: what the SIMD kernels (simulate/revenueSimd.ts,
 * model/newtonSimd.ts) need to assemble their modules from instruction lists, so that no opaque
 * binary is shipped, and their instantiation. Internal.
 */

/** Unsigned LEB128 of a non-negative 32-bit integer. */
export function uleb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer. */
export function sleb(value: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

/** An instruction of the SIMD (0xfd-prefixed) opcode space. */
export const simd = (opcode: number, ...immediates: number[]) => [0xfd, ...uleb(opcode), ...immediates];

export function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}
export function vector(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}
export function name(text: string): number[] {
  return vector(Array.from(text, (c) => [c.charCodeAt(0)]));
}

/** A module's memory, as its exports give it. */
export interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

/**
 * The exports of a module compiled synchronously on this thread (no imports), or null where
 * WebAssembly or an instruction the module uses (SIMD) is missing, or compilation is refused (a
 * content-security policy): the caller then runs its scalar path.
 */
export function instantiate(bytes: Uint8Array): Record<string, unknown> | null {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  try {
    return wasm ? new wasm.Instance(new wasm.Module(bytes), {}).exports : null;
  } catch {
    return null;
  }
}
