/**
 * The GDB remote serial protocol's framing (GDB manual, "Remote Protocol", "Overview"): a packet is
 * `$payload#cc`, cc the payload's byte sum modulo 256 in two hex digits; the receiver answers `+`
 * (good) or `-` (send again) unless no-ack mode is on. Inside a payload `}` escapes the byte that
 * follows (XOR 0x20): `#`, `$`, `}` and `*` must be escaped in binary data. `*` run-length encodes:
 * `X*n` stands for X followed by n - 29 more copies of X (n a printable character). A lone byte
 * 0x03 outside a packet is the debugger's interrupt request.
 *
 * Payloads are latin1 strings here: one character per byte, so binary data and ASCII commands
 * share one type and Buffer.from(s, 'latin1') gives the bytes back.
 */

const ESCAPE = 0x7d; // '}'
const ESCAPED = new Set([0x23, 0x24, 0x7d, 0x2a]); // '#', '$', '}', '*'
/** A run-length count character encodes (code - 29) repeats; GDB never sends '#' or '$' as one. */
const RUN_LENGTH_BIAS = 29;
export const INTERRUPT_BYTE = 0x03;

/** Byte sum modulo 256 of a latin1 payload. */
export function checksum(payload: string): number {
  let sum = 0;
  for (let i = 0; i < payload.length; i++) sum = (sum + payload.charCodeAt(i)) & 0xff;
  return sum;
}

/** `$payload#cc` for a payload that is already escaped where it needs to be. */
export function framePacket(payload: string): string {
  return `$${payload}#${checksum(payload).toString(16).padStart(2, '0')}`;
}

/** Escape binary data for a payload (qXfer replies, X packets). */
export function escapeBinary(data: string): string {
  let out = '';
  for (let i = 0; i < data.length; i++) {
    const c = data.charCodeAt(i);
    out += ESCAPED.has(c) ? String.fromCharCode(ESCAPE, c ^ 0x20) : data[i];
  }
  return out;
}

/** Undo escapeBinary. A trailing lone `}` is malformed: null. */
export function unescapeBinary(data: string): string | null {
  let out = '';
  for (let i = 0; i < data.length; i++) {
    const c = data.charCodeAt(i);
    if (c !== ESCAPE) {
      out += data[i];
      continue;
    }
    if (++i >= data.length) return null;
    out += String.fromCharCode(data.charCodeAt(i) ^ 0x20);
  }
  return out;
}

/** Expand `X*n` runs (n - 29 extra copies of X). A `*` with nothing before or after it is malformed: null. */
export function decodeRunLength(payload: string): string | null {
  if (!payload.includes('*')) return payload;
  let out = '';
  for (let i = 0; i < payload.length; i++) {
    if (payload[i] !== '*') {
      out += payload[i];
      continue;
    }
    if (out.length === 0 || i + 1 >= payload.length) return null;
    const repeats = payload.charCodeAt(++i) - RUN_LENGTH_BIAS;
    if (repeats < 0) return null;
    out += out[out.length - 1].repeat(repeats);
  }
  return out;
}

/** What arrived from the debugger, in order. */
export type InboundEvent =
  | { readonly kind: 'packet'; readonly payload: string }
  | { readonly kind: 'bad-packet' }
  | { readonly kind: 'ack' }
  | { readonly kind: 'nack' }
  | { readonly kind: 'interrupt' };

/**
 * Splits the byte stream from the debugger into events. A packet's payload is returned with its
 * run-length encoding expanded and its escapes kept (only binary-data commands unescape).
 */
export class PacketReader {
  private state: 'idle' | 'payload' | 'check1' | 'check2' = 'idle';
  private payload = '';
  private check = '';

  feed(bytes: Uint8Array, emit: (e: InboundEvent) => void): void {
    for (const b of bytes) {
      switch (this.state) {
        case 'idle':
          if (b === 0x24) {
            this.state = 'payload';
            this.payload = '';
          } else if (b === 0x2b) emit({ kind: 'ack' });
          else if (b === 0x2d) emit({ kind: 'nack' });
          else if (b === INTERRUPT_BYTE) emit({ kind: 'interrupt' });
          // Anything else between packets is line noise.
          break;
        case 'payload':
          if (b === 0x23) {
            this.state = 'check1';
            this.check = '';
          } else this.payload += String.fromCharCode(b);
          break;
        case 'check1':
          this.check = String.fromCharCode(b);
          this.state = 'check2';
          break;
        case 'check2': {
          this.state = 'idle';
          const sent = parseInt(this.check + String.fromCharCode(b), 16);
          const decoded = decodeRunLength(this.payload);
          if (sent !== checksum(this.payload) || decoded === null) emit({ kind: 'bad-packet' });
          else emit({ kind: 'packet', payload: decoded });
          break;
        }
      }
    }
  }
}

/** Hex of a latin1 string's bytes (qRcmd output, O packets, qThreadExtraInfo). */
export function toHex(text: string): string {
  return Buffer.from(text, 'latin1').toString('hex');
}

/** Bytes of an even-length hex string as latin1, or null when it is not hex. */
export function fromHex(hex: string): string | null {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return null;
  return Buffer.from(hex, 'hex').toString('latin1');
}
