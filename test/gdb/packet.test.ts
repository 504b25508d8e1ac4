/**
 * The remote protocol's framing: checksums against the GDB manual's own examples, escaping and
 * run-length decoding as round trips over arbitrary bytes, and a reader that finds the same
 * packets however the byte stream is cut.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checksum, decodeRunLength, escapeBinary, framePacket, fromHex, PacketReader, toHex, unescapeBinary, type InboundEvent } from '../../src/gdb/packet';

const latin1 = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');
const bytesArb = fc.uint8Array({ maxLength: 300 }).map(latin1);

/** Run-length encoding as a stub may send it (GDB manual, "Overview"): the inverse decodeRunLength must undo. */
function encodeRunLength(payload: string): string {
  let out = '';
  let i = 0;
  while (i < payload.length) {
    const ch = payload[i];
    let run = 1;
    while (i + run < payload.length && payload[i + run] === ch) run++;
    i += run;
    out += ch;
    let extra = run - 1;
    while (extra >= 3) {
      // Counts 6 and 7 would be '#' and '$': say 5 and repeat the character for the rest.
      let n = Math.min(extra, 126 - 29);
      if (n === 6 || n === 7) n = 5;
      out += `*${String.fromCharCode(n + 29)}`;
      extra -= n;
      if (extra > 0) {
        out += ch;
        extra--;
      }
    }
    out += ch.repeat(extra);
  }
  return out;
}

function events(stream: string, cuts: number[] = []): InboundEvent[] {
  const reader = new PacketReader();
  const out: InboundEvent[] = [];
  const bytes = Buffer.from(stream, 'latin1');
  let from = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b), bytes.length]) {
    reader.feed(bytes.subarray(from, cut), (e) => out.push(e));
    from = cut;
  }
  return out;
}

describe('GDB remote protocol framing', () => {
  it('frames with the modulo-256 byte sum in two lower-case hex digits', () => {
    expect(framePacket('OK')).toBe('$OK#9a');
    expect(framePacket('')).toBe('$#00');
    expect(checksum('qSupported')).toBe(0x37);
  });

  it('escapes #, $, } and * as } then the byte XOR 0x20, and unescapes back (any bytes)', () => {
    expect(escapeBinary('a#b$c}d*')).toBe('a}\x03b}\x04c}]d}\x0a');
    fc.assert(
      fc.property(bytesArb, (data) => {
        const escaped = escapeBinary(data);
        expect(escaped).not.toMatch(/[#$*]/);
        expect(unescapeBinary(escaped)).toBe(data);
      }),
    );
    expect(unescapeBinary('abc}')).toBeNull();
  });

  it("decodes the manual's run-length examples and undoes any run-length encoding", () => {
    expect(decodeRunLength('0* ')).toBe('0000');
    expect(decodeRunLength('0*"00')).toBe('00000000');
    expect(decodeRunLength('*x')).toBeNull();
    expect(decodeRunLength('a*')).toBeNull();
    const text = fc.array(fc.record({ ch: fc.constantFrom('0', '1', 'f', 'a', 'x'), n: fc.integer({ min: 1, max: 300 }) }), { maxLength: 8 }).map((runs) => runs.map((r) => r.ch.repeat(r.n)).join(''));
    fc.assert(
      fc.property(text, (payload) => {
        const encoded = encodeRunLength(payload);
        expect(encoded).not.toMatch(/\*[#$]/);
        expect(decodeRunLength(encoded)).toBe(payload);
      }),
    );
  });

  it('reads the same packets, acks and interrupts however the stream is cut', () => {
    const payloads = fc.array(bytesArb.map((b) => escapeBinary(b)), { minLength: 1, maxLength: 5 });
    fc.assert(
      fc.property(payloads, fc.array(fc.nat(2000), { maxLength: 10 }), (ps, cuts) => {
        const stream = ps.map((p, i) => `${i % 2 === 0 ? '+' : '\x03'}${framePacket(p)}`).join('') + '-';
        const got = events(stream, cuts);
        const want: InboundEvent[] = ps.flatMap((p, i) => [i % 2 === 0 ? { kind: 'ack' as const } : { kind: 'interrupt' as const }, { kind: 'packet' as const, payload: p }]);
        expect(got).toEqual([...want, { kind: 'nack' }]);
      }),
    );
  });

  it('reports a packet whose checksum is wrong, then goes on', () => {
    expect(events('$OK#9b$OK#9a')).toEqual([{ kind: 'bad-packet' }, { kind: 'packet', payload: 'OK' }]);
  });

  it('hex-encodes monitor text and decodes it back', () => {
    fc.assert(
      fc.property(bytesArb, (s) => {
        expect(fromHex(toHex(s))).toBe(s);
      }),
    );
    expect(toHex('cache 0x40001000')).toBe('63616368652030783430303031303030');
    expect(fromHex('6x')).toBeNull();
  });
});
