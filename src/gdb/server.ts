/**
 * The GDB stub on the main thread: starts the socket thread (gdb-socket-worker.ts), attaches a
 * RunControl to the run's vCPUs, and whenever one stops, blocks the run (Atomics.wait) while it
 * answers the debugger's packets through the Dispatcher, until the debugger resumes the target.
 */
import { existsSync } from 'node:fs';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { Machine } from '../hyp/machine';
import type { Vcpu } from '../hyp/vcpu';
import { Dispatcher, SIGTRAP, type Resume } from './dispatcher';
import { MachineTarget } from './machine-target';
import { DebuggerKill, RunControl } from './run-control';
import { SIGNAL_INTERRUPT, SIGNAL_MESSAGES, type FromSocket, type GdbWorkerData, type ListenOutcome, type ToSocket } from './socket-channel';

/** `--gdb PORT` could not listen (the port is taken, or not a port). */
export class GdbListenError extends Error {
  constructor(port: number, reason: string) {
    super(`cannot listen for a debugger on 127.0.0.1:${port}: ${reason}`);
    this.name = 'GdbListenError';
  }
}

/** Re-read the message queue this often while blocked, in case a wake-up was missed. */
const WAIT_MS = 100;

/**
 * The worker script beside this module: gdb-socket-worker.js once bundled (scripts/build.ts), or
 * the .ts source through tsx's loader, which a worker has to register itself.
 */
function socketWorker(): { script: URL | string; eval: boolean } {
  const bundled = new URL('./gdb-socket-worker.js', import.meta.url);
  if (!import.meta.url.endsWith('.ts') && existsSync(bundled)) return { script: bundled, eval: false };
  const source = new URL('./gdb-socket-worker.ts', import.meta.url);
  const tsx = import.meta.resolve('tsx/esm/api');
  return { script: `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(source.href)}); });`, eval: true };
}

export class GdbServer {
  private dispatcher: Dispatcher | null = null;
  private target: MachineTarget | null = null;
  private connected = false;
  /** The debugger resumed the target and waits for a stop reply (or for the run's end). */
  private awaitingStop = false;

  private constructor(
    private readonly channel: MessagePort,
    private readonly flags: Int32Array,
    /** The port listened on (the one asked for, or the one the system chose for 0). */
    readonly port: number,
  ) {}

  /** Listen on 127.0.0.1:`port` (0: any free port). */
  static async listen(port: number): Promise<GdbServer> {
    const { port1, port2 } = new MessageChannel();
    const signal = new SharedArrayBuffer(8);
    const entry = socketWorker();
    const data: GdbWorkerData = { port, channel: port2, signal };
    const worker = new Worker(entry.script, { eval: entry.eval, workerData: data, transferList: [port2] });
    const outcome = await new Promise<ListenOutcome>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    if (outcome.kind === 'error') {
      await worker.terminate();
      throw new GdbListenError(port, outcome.code || outcome.message);
    }
    return new GdbServer(port1, new Int32Array(signal), outcome.port);
  }

  /** Debug these vCPUs of `machine` (the run's subject): the first instruction waits for the debugger. */
  readonly attach = (machine: Machine, vcpus: readonly Vcpu[]): void => {
    const flags = this.flags;
    const control = new RunControl(
      () => Atomics.load(flags, SIGNAL_INTERRUPT) !== 0,
      () => Atomics.store(flags, SIGNAL_INTERRUPT, 0),
      (vcpu, signal) => this.serve(vcpu, signal),
    );
    this.target = new MachineTarget(machine, vcpus, control);
    this.dispatcher = new Dispatcher(this.target, { thread: 1, signal: SIGTRAP });
    control.attach(vcpus);
  };

  /**
   * The run is over and the process will exit with `exitCode` (null: killed by the debugger): a
   * debugger waiting for a stop hears that the program exited; then the socket closes.
   */
  finish(exitCode: number | null): void {
    if (this.awaitingStop && exitCode !== null) this.send(`W${(exitCode & 0xff).toString(16).padStart(2, '0')}`);
    this.awaitingStop = false;
    this.post({ kind: 'close' });
  }

  /** The run threw `error` and the process will exit with `exitCode`: as `finish`, but a debugger that killed the guest is not told. */
  failed(error: unknown, exitCode: number): void {
    this.finish(error instanceof DebuggerKill ? null : exitCode);
  }

  /** A vCPU stopped: answer the debugger until it resumes the target. */
  private serve(vcpu: Vcpu, signal: number): Resume {
    const dispatcher = this.dispatcher!;
    while (!this.connected) {
      const m = this.receive();
      if (m.kind === 'connected') this.connected = true;
    }
    const stopReply = dispatcher.stopped({ thread: this.target!.threadOf(vcpu), signal });
    if (this.awaitingStop) this.send(stopReply);
    this.awaitingStop = false;
    for (;;) {
      const m = this.receive();
      // The debugger went away without a word: the run goes on alone.
      if (m.kind === 'closed') return { kind: 'detach' };
      if (m.kind !== 'packet') continue;
      const d = dispatcher.handle(m.payload);
      for (const r of d.replies) this.send(r);
      if (d.resume === null) continue;
      this.awaitingStop = d.resume.kind === 'continue' || d.resume.kind === 'step';
      return d.resume;
    }
  }

  private send(payload: string): void {
    this.post({ kind: 'send', payload });
  }

  private post(m: ToSocket): void {
    this.channel.postMessage(m);
  }

  /** The next message from the socket thread, blocking the run until there is one. */
  private receive(): FromSocket {
    for (;;) {
      const seen = Atomics.load(this.flags, SIGNAL_MESSAGES);
      const m = receiveMessageOnPort(this.channel);
      if (m !== undefined) return m.message as FromSocket;
      Atomics.wait(this.flags, SIGNAL_MESSAGES, seen, WAIT_MS);
    }
  }
}
