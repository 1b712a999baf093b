/*
 * TextDecoder is a global of every JavaScript host we run on (Node, browsers,
 * workers) but not part of the ES library this package compiles against.
 */
declare const TextDecoder: new () => { decode(bytes: Uint8Array): string };

let decoder: { decode(bytes: Uint8Array): string } | null = null;

/** Decode UTF-8 bytes (invalid sequences become U+FFFD). */
export function decodeUtf8(bytes: Uint8Array): string {
  return (decoder ??= new TextDecoder()).decode(bytes);
}
