/**
 * TextEncoder/TextDecoder exist in every host the kernel runs on (Node,
 * browsers, workers) but belong to neither ES nor this package's type
 * environment (no DOM, no @types/node: the kernel must not see host APIs).
 */
declare class TextEncoder {
  readonly encoding: string;
  encode(input?: string): Uint8Array;
  encodeInto(source: string, destination: Uint8Array): { read: number; written: number };
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  readonly encoding: string;
  decode(input?: ArrayBufferView | ArrayBuffer, options?: { stream?: boolean }): string;
}
