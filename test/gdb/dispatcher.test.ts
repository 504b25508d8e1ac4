/**
 * The command dispatcher against a fake two-thread target: which thread a command reads, how
 * vCont, c and s resume, breakpoints of both kinds, monitor output in O packets, and an empty
 * reply for what is not served.
 */
import { describe, expect, it } from 'vitest';
import { Dispatcher, SIGINT, SIGTRAP, type BreakpointKind, type DebugTarget } from '../../src/gdb/dispatcher';
import { fromHex } from '../../src/gdb/packet';

class FakeTarget implements DebugTarget {
  readonly isa = 'a64' as const;
  readonly threads = [1, 2];
  readonly breakpoints: string[] = [];
  registersHex(thread: number): string {
    return `regs-of-${thread}`;
  }
  registerHex(thread: number, regnum: number): string | null {
    return regnum < 34 ? `r${regnum}-of-${thread}` : null;
  }
  readMemory(_thread: number, address: bigint, length: number): string {
    // Memory ends at 0x1000.
    return 'x'.repeat(Math.max(0, Math.min(length, 0x1000 - Number(address))));
  }
  threadInfo(thread: number): string {
    return `vCPU ${thread - 1}`;
  }
  monitor(thread: number, command: string): string {
    return `${command} on ${thread}\n`.repeat(300);
  }
  insertBreakpoint(kind: BreakpointKind, address: bigint): void {
    this.breakpoints.push(`+${kind}@${address.toString(16)}`);
  }
  removeBreakpoint(kind: BreakpointKind, address: bigint): void {
    this.breakpoints.push(`-${kind}@${address.toString(16)}`);
  }
}

function setup() {
  const target = new FakeTarget();
  const d = new Dispatcher(target, { thread: 1, signal: SIGTRAP });
  const one = (packet: string) => {
    const r = d.handle(packet);
    expect(r.replies.length).toBe(1);
    return r.replies[0];
  };
  return { target, d, one };
}

describe('Dispatcher', () => {
  it('reads the stopped thread unless Hg picks another, and a new stop resets that', () => {
    const { d, one } = setup();
    expect(one('g')).toBe('regs-of-1');
    expect(one('Hg2')).toBe('OK');
    expect(one('g')).toBe('regs-of-2');
    expect(one('p20')).toBe('r32-of-2');
    expect(one('p22')).toBe('E01');
    expect(one('Hg3')).toBe('E01');
    expect(d.stopped({ thread: 2, signal: SIGINT })).toBe('T02thread:2;');
    expect(one('?')).toBe('T02thread:2;');
    expect(one('qC')).toBe('QC2');
    expect(one('Hg0')).toBe('OK');
    expect(one('g')).toBe('regs-of-2');
  });

  it('resumes: c continues, s steps the Hc thread or the stopped one, vCont steps the thread its s names', () => {
    const { d, one } = setup();
    expect(d.handle('c')).toEqual({ replies: [], resume: { kind: 'continue' } });
    expect(d.handle('s')).toEqual({ replies: [], resume: { kind: 'step', thread: 1 } });
    expect(one('Hc2')).toBe('OK');
    expect(d.handle('s').resume).toEqual({ kind: 'step', thread: 2 });
    expect(one('Hc-1')).toBe('OK');
    expect(d.handle('s').resume).toEqual({ kind: 'step', thread: 1 });
    expect(one('vCont?')).toBe('vCont;c;C;s;S');
    expect(d.handle('vCont;c').resume).toEqual({ kind: 'continue' });
    expect(d.handle('vCont;s:2;c').resume).toEqual({ kind: 'step', thread: 2 });
    expect(d.handle('vCont;C05:1;s:2').resume).toEqual({ kind: 'step', thread: 2 });
    expect(d.handle('vCont;S05').resume).toEqual({ kind: 'step', thread: 1 });
    expect(d.handle('vCont;x')).toEqual({ replies: ['E01'], resume: null });
    expect(d.handle('D')).toEqual({ replies: ['OK'], resume: { kind: 'detach' } });
    expect(d.handle('k')).toEqual({ replies: [], resume: { kind: 'kill' } });
  });

  it('inserts and removes software (Z0) and hardware (Z1) breakpoints; watchpoints are not served', () => {
    const { target, one } = setup();
    expect(one('Z0,ffff800010001000,4')).toBe('OK');
    expect(one('Z1,40000264,4')).toBe('OK');
    expect(one('z0,ffff800010001000,4')).toBe('OK');
    expect(one('z1,40000264,4')).toBe('OK');
    expect(one('Z2,40000000,4')).toBe('');
    expect(one('Z0,xyz,4')).toBe('E01');
    expect(target.breakpoints).toEqual(['+software@ffff800010001000', '+hardware@40000264', '-software@ffff800010001000', '-hardware@40000264']);
  });

  it('reads memory as far as it goes, E14 when nothing can be read', () => {
    const { one } = setup();
    expect(one('mffe,4')).toBe('7878');
    expect(one('m1000,4')).toBe('E14');
    expect(one('m10,0')).toBe('');
    expect(one('m10')).toBe('E01');
  });

  it('sends monitor output as O packets of hex text, then OK', () => {
    const { d } = setup();
    const r = d.handle(`qRcmd,${Buffer.from('cache 0x40001000').toString('hex')}`);
    expect(r.replies.length).toBeGreaterThan(2);
    expect(r.replies[r.replies.length - 1]).toBe('OK');
    const text = r.replies.slice(0, -1).map((p) => (expect(p[0]).toBe('O'), fromHex(p.slice(1)))).join('');
    expect(text).toBe('cache 0x40001000 on 1\n'.repeat(300));
  });

  it('lists the threads, describes them, and answers what it does not serve with an empty packet', () => {
    const { one } = setup();
    expect(one('qfThreadInfo')).toBe('m1,2');
    expect(one('qsThreadInfo')).toBe('l');
    expect(fromHex(one('qThreadExtraInfo,2'))).toBe('vCPU 1');
    expect(one('T2')).toBe('OK');
    expect(one('T3')).toBe('E01');
    expect(one('qAttached')).toBe('1');
    for (const p of ['G00', 'P1=00', 'M40000000,4:00000000', 'vMustReplyEmpty', 'qTStatus', 'X40000000,0:']) expect(one(p)).toBe('');
    expect(one('qXfer:features:read:other.xml:0,100')).toBe('E01');
    expect(one('qXfer:features:read:target.xml:0,100')[0]).toBe('m');
  });
});
