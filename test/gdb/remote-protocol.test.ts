/**
 * The stub spoken to packet by packet, as the GDB manual's "Remote Protocol" describes it (no GDB
 * needed): acks and no-ack mode, a bad checksum answered with `-`, the target description, one
 * thread, registers at the entry point, memory, an interrupt (0x03) while the guest runs, and a
 * kill that ends the run with exit code 4.
 */
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { framePacket, PacketReader, type InboundEvent } from '../../src/gdb/packet';
import { loadRom } from '../../src/scenarios/rom-images';
import { setwayWithGdb } from './helpers';

/** A minimal remote-protocol client: sends packets, hands out what comes back in order. */
class Client {
  private readonly events: InboundEvent[] = [];
  private wake: (() => void) | null = null;

  private constructor(private readonly socket: Socket) {
    const reader = new PacketReader();
    socket.on('data', (bytes) =>
      reader.feed(bytes, (e) => {
        this.events.push(e);
        this.wake?.();
      }),
    );
  }

  static open(port: number): Promise<Client> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new Client(s)));
      s.once('error', reject);
    });
  }

  write(raw: string): void {
    this.socket.write(raw, 'latin1');
  }

  async next(): Promise<InboundEvent> {
    while (this.events.length === 0) await new Promise<void>((r) => (this.wake = r));
    return this.events.shift()!;
  }

  /** Send a packet and return the payload of the next packet that comes back (acks skipped). */
  async request(payload: string): Promise<string> {
    this.write(framePacket(payload));
    return this.reply();
  }

  async reply(): Promise<string> {
    for (;;) {
      const e = await this.next();
      if (e.kind === 'packet') return e.payload;
    }
  }

  close(): void {
    this.socket.end();
  }
}

describe('the GDB stub, packet by packet', () => {
  it('answers the protocol on the A32 ROM, stops on an interrupt and dies on a kill', async () => {
    const rom = 'a32-boot-handoff.elf';
    const image = loadRom(rom);
    const setway = setwayWithGdb(['run', `roms/build/${rom}`]);
    const client = await Client.open(await setway.port);

    // Acks until no-ack mode; a bad checksum is answered with '-'.
    client.write('$qSupported:swbreak+;hwbreak+#00');
    expect(await client.next()).toEqual({ kind: 'nack' });
    client.write(framePacket('qSupported:swbreak+;hwbreak+'));
    expect(await client.next()).toEqual({ kind: 'ack' });
    const supported = (await client.reply()).split(';');
    expect(supported).toContain('PacketSize=4000');
    expect(supported).toContain('qXfer:features:read+');
    expect(await client.request('QStartNoAckMode')).toBe('OK');
    client.write('+');

    const xml = await client.request('qXfer:features:read:target.xml:0,fff');
    expect(xml[0]).toBe('l');
    expect(xml).toContain('<architecture>arm</architecture>');
    expect(xml).toContain('<feature name="org.gnu.gdb.arm.core">');
    expect(xml).toContain('<reg name="cpsr" bitsize="32" regnum="25"');
    // Read in small pieces, the description is the same text.
    let pieces = '';
    for (let offset = 0; ; offset += 0x40) {
      const r = await client.request(`qXfer:features:read:target.xml:${offset.toString(16)},40`);
      pieces += r.slice(1);
      if (r[0] === 'l') break;
      expect(r[0]).toBe('m');
    }
    expect(pieces).toBe(xml.slice(1));

    expect(await client.request('qfThreadInfo')).toBe('m1');
    expect(await client.request('qsThreadInfo')).toBe('l');
    expect(await client.request('?')).toBe('T05thread:1;');
    expect(await client.request('qC')).toBe('QC1');
    expect(await client.request('Hg1')).toBe('OK');
    expect(await client.request('T2')).toBe('E01');

    // Before the first instruction: pc (register 15) is the ELF entry, SVC mode in cpsr (register 25 = 0x19).
    const g = await client.request('g');
    expect(g.length).toBe(17 * 8);
    expect(Buffer.from(g.slice(15 * 8, 16 * 8), 'hex').readUInt32LE(0)).toBe(image.entry);
    expect(Buffer.from(await client.request('pf'), 'hex').readUInt32LE(0)).toBe(image.entry);
    expect(Buffer.from(await client.request('p19'), 'hex').readUInt32LE(0) & 0x1f).toBe(0x13);
    // The first instruction word, as the ELF has it.
    const first = image.segments.find((s) => s.address === image.entry)!.bytes.subarray(0, 4);
    expect(await client.request(`m${image.entry.toString(16)},4`)).toBe(Buffer.from(first).toString('hex'));
    expect(await client.request('m10,4')).toBe('E14');

    // Continue, interrupt: the stop says SIGINT on thread 1, and the guest has moved on.
    client.write(framePacket('vCont;c'));
    client.write('\x03');
    expect(await client.reply()).toBe('T02thread:1;');
    const pc = Buffer.from(await client.request('pf'), 'hex').readUInt32LE(0);
    expect(pc).not.toBe(image.entry);

    // Kill: no reply, the run ends without a result.
    client.write(framePacket('k'));
    const run = await setway.done;
    client.close();
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/the debugger killed the guest at PC 0x[0-9a-f]+/);
    expect(run.stdout).toBe('');
  });
});
