/**
 * The GDB remote protocol's commands (GDB manual, "Remote Protocol": "Packets", "General Query
 * Packets", "Stop Reply Packets"), answered from a DebugTarget: one packet in, the reply packets
 * out, and whether the target should resume (continue, step, detach, kill). All-stop mode only:
 * while the dispatcher runs, every vCPU is stopped. Threads are vCPUs, numbered from 1.
 */
import { escapeBinary, fromHex, toHex } from './packet';
import type { DebugIsa } from './registers';
import { featuresSlice } from './target-description';

export type BreakpointKind = 'software' | 'hardware';

/** What the dispatcher needs of the stopped machine. */
export interface DebugTarget {
  readonly isa: DebugIsa;
  /** Thread ids, one per vCPU (vCPU id + 1). */
  readonly threads: readonly number[];
  registersHex(thread: number): string;
  registerHex(thread: number, regnum: number): string | null;
  /** Up to `length` bytes at guest VA `address` as the thread would read them (latin1; shorter at a fault). */
  readMemory(thread: number, address: bigint, length: number): string;
  /** One line on the thread (qThreadExtraInfo). */
  threadInfo(thread: number): string;
  /** A `monitor` command's output text. */
  monitor(thread: number, command: string): string;
  /** Stop before the instruction at `address` (both kinds: no guest memory is patched). */
  insertBreakpoint(kind: BreakpointKind, address: bigint): void;
  removeBreakpoint(kind: BreakpointKind, address: bigint): void;
}

export type Resume =
  | { readonly kind: 'continue' }
  | { readonly kind: 'step'; readonly thread: number }
  | { readonly kind: 'detach' }
  | { readonly kind: 'kill' };

/** Why the target stopped: a thread and a signal number (GDB's: 5 SIGTRAP, 2 SIGINT). */
export interface StopEvent {
  readonly thread: number;
  readonly signal: number;
}

export const SIGINT = 2;
export const SIGTRAP = 5;

export interface Dispatched {
  readonly replies: readonly string[];
  readonly resume: Resume | null;
}

/** Largest packet we accept (qSupported PacketSize, hex): memory reads are cut to fit a reply. */
export const PACKET_SIZE = 0x4000;
/** Console output per `O` packet, in bytes of text. */
const OUTPUT_CHUNK = 1024;

const ERROR_BAD_ARGUMENT = 'E01';
const ERROR_MEMORY = 'E14';

function reply(...replies: string[]): Dispatched {
  return { replies, resume: null };
}

function parseHexNumber(text: string): bigint | null {
  return /^[0-9a-fA-F]+$/.test(text) ? BigInt(`0x${text}`) : null;
}

/** A thread id of the H, T and vCont packets: -1 all, 0 any, else hex. */
function parseThreadId(text: string): number | null {
  if (text === '-1') return -1;
  const n = parseHexNumber(text);
  return n === null ? null : Number(n);
}

export class Dispatcher {
  private stop: StopEvent;
  /** Thread for register reads (Hg) and for c/s (Hc); 0 means the thread that stopped. */
  private generalThread = 0;
  private continueThread = 0;

  constructor(
    private readonly target: DebugTarget,
    initialStop: StopEvent,
  ) {
    this.stop = initialStop;
  }

  /** The stop reply for `stop`, which becomes the answer to `?` too. */
  stopped(stop: StopEvent): string {
    this.stop = stop;
    this.generalThread = 0;
    return this.stopReply();
  }

  private stopReply(): string {
    return `T${this.stop.signal.toString(16).padStart(2, '0')}thread:${this.stop.thread.toString(16)};`;
  }

  private selected(id: number): number {
    return id <= 0 ? this.stop.thread : id;
  }

  handle(packet: string): Dispatched {
    const t = this.target;
    switch (packet[0]) {
      case '?':
        return reply(this.stopReply());
      case 'g':
        return reply(t.registersHex(this.selected(this.generalThread)));
      case 'p': {
        const n = parseHexNumber(packet.slice(1));
        const hex = n === null ? null : t.registerHex(this.selected(this.generalThread), Number(n));
        return reply(hex ?? ERROR_BAD_ARGUMENT);
      }
      case 'm':
        return reply(this.readMemory(packet.slice(1)));
      case 'H':
        return reply(this.setThread(packet[1], packet.slice(2)));
      case 'T': {
        const id = parseThreadId(packet.slice(1));
        return reply(id !== null && t.threads.includes(id) ? 'OK' : ERROR_BAD_ARGUMENT);
      }
      case 'Z':
      case 'z':
        return reply(this.breakpoint(packet));
      case 'c':
        return { replies: [], resume: { kind: 'continue' } };
      case 's':
        return { replies: [], resume: { kind: 'step', thread: this.selected(this.continueThread) } };
      case 'D':
        return { replies: ['OK'], resume: { kind: 'detach' } };
      case 'k':
        // No reply: the debugger does not wait for one.
        return { replies: [], resume: { kind: 'kill' } };
      case 'v':
        return this.vPacket(packet);
      case 'q':
        return this.query(packet);
      default:
        // An empty reply: "not supported" (G, P, M, X: the debugger does not change the guest).
        return reply('');
    }
  }

  private readMemory(args: string): string {
    const m = /^([0-9a-fA-F]+),([0-9a-fA-F]+)$/.exec(args);
    if (m === null) return ERROR_BAD_ARGUMENT;
    const length = Math.min(Number(BigInt(`0x${m[2]}`)), (PACKET_SIZE - 4) / 2);
    if (length === 0) return '';
    const bytes = this.target.readMemory(this.selected(this.generalThread), BigInt(`0x${m[1]}`), length);
    return bytes.length === 0 ? ERROR_MEMORY : toHex(bytes);
  }

  private setThread(op: string, idText: string): string {
    const id = parseThreadId(idText);
    if (id === null || (id > 0 && !this.target.threads.includes(id))) return ERROR_BAD_ARGUMENT;
    if (op === 'g') this.generalThread = id;
    else if (op === 'c') this.continueThread = id;
    else return ERROR_BAD_ARGUMENT;
    return 'OK';
  }

  /** Z0/Z1 insert and z0/z1 remove a software or hardware breakpoint (`Zt,addr,kind`); watchpoints are not supported. */
  private breakpoint(packet: string): string {
    const m = /^([Zz])([0-4]),([0-9a-fA-F]+),([0-9a-fA-F]+)/.exec(packet);
    if (m === null) return ERROR_BAD_ARGUMENT;
    if (m[2] !== '0' && m[2] !== '1') return '';
    const kind: BreakpointKind = m[2] === '0' ? 'software' : 'hardware';
    const address = BigInt(`0x${m[3]}`);
    if (m[1] === 'Z') this.target.insertBreakpoint(kind, address);
    else this.target.removeBreakpoint(kind, address);
    return 'OK';
  }

  private vPacket(packet: string): Dispatched {
    if (packet === 'vCont?') return reply('vCont;c;C;s;S');
    if (packet.startsWith('vCont;')) return this.vCont(packet.slice('vCont;'.length));
    if (packet.startsWith('vKill')) return { replies: ['OK'], resume: { kind: 'kill' } };
    return reply('');
  }

  /**
   * `vCont;action[:thread];...`: a step of some thread decides (the first one named), the others
   * continue meanwhile; with no step, everything continues. Stepping one thread lets the others run
   * too (no scheduler locking: the machine interleaves them).
   */
  private vCont(actions: string): Dispatched {
    let step: Resume | null = null;
    for (const action of actions.split(';')) {
      const [verb, threadText] = action.split(':');
      const thread = threadText === undefined ? 0 : parseThreadId(threadText);
      if (thread === null || !['c', 'C', 's', 'S'].includes(verb[0])) return reply(ERROR_BAD_ARGUMENT);
      if ((verb[0] === 's' || verb[0] === 'S') && step === null) step = { kind: 'step', thread: this.selected(thread) };
    }
    return { replies: [], resume: step ?? { kind: 'continue' } };
  }

  private query(packet: string): Dispatched {
    const t = this.target;
    const [name] = packet.split(/[:,]/, 1);
    switch (name) {
      case 'qSupported':
        return reply(`PacketSize=${PACKET_SIZE.toString(16)};qXfer:features:read+;QStartNoAckMode+`);
      case 'qAttached':
        // "Attached to an existing process": quitting the debugger detaches and the run goes on to its verdict.
        return reply('1');
      case 'qC':
        return reply(`QC${this.stop.thread.toString(16)}`);
      case 'qfThreadInfo':
        return reply(`m${t.threads.map((n) => n.toString(16)).join(',')}`);
      case 'qsThreadInfo':
        return reply('l');
      case 'qThreadExtraInfo': {
        const id = parseThreadId(packet.slice('qThreadExtraInfo,'.length));
        return reply(id !== null && t.threads.includes(id) ? toHex(t.threadInfo(id)) : ERROR_BAD_ARGUMENT);
      }
      case 'qXfer':
        return reply(this.features(packet));
      case 'qRcmd': {
        const command = fromHex(packet.slice('qRcmd,'.length));
        if (command === null) return reply(ERROR_BAD_ARGUMENT);
        const text = t.monitor(this.selected(this.generalThread), command);
        const out: string[] = [];
        for (let i = 0; i < text.length; i += OUTPUT_CHUNK) out.push(`O${toHex(text.slice(i, i + OUTPUT_CHUNK))}`);
        return reply(...out, 'OK');
      }
      case 'qSymbol':
        return reply('OK');
      default:
        return reply('');
    }
  }

  /** `qXfer:features:read:ANNEX:OFFSET,LENGTH`. */
  private features(packet: string): string {
    const m = /^qXfer:features:read:([^:]*):([0-9a-fA-F]+),([0-9a-fA-F]+)$/.exec(packet);
    if (m === null) return '';
    const slice = featuresSlice(this.target.isa, m[1], parseInt(m[2], 16), Math.min(parseInt(m[3], 16), PACKET_SIZE / 2));
    if (slice === null) return ERROR_BAD_ARGUMENT;
    return `${slice.more ? 'm' : 'l'}${escapeBinary(slice.data)}`;
  }
}
