/**
 * The TCP side of the GDB stub, in a worker thread: the machine runs synchronously on the main
 * thread and blocks while the debugger looks at it, so the socket lives here. This thread accepts
 * one debugger on 127.0.0.1, does the framing (acks, checksums, no-ack mode, retransmission on
 * `-`), hands each packet's payload to the main thread on `channel` (bumping `signal[0]` so that
 * a blocked main thread wakes up), frames the replies it gets back, and raises `signal[1]` when
 * the debugger sends an interrupt (0x03), which the running machine polls.
 */
import { createServer, type Socket } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { framePacket, PacketReader } from './packet';
import { SIGNAL_INTERRUPT, SIGNAL_MESSAGES, type FromSocket, type GdbWorkerData, type ListenOutcome, type ToSocket } from './socket-channel';

if (parentPort === null) throw new Error('gdb-socket-worker runs as a worker thread of the GDB stub');
const parent = parentPort;
const { port, channel, signal } = workerData as GdbWorkerData;
const flags = new Int32Array(signal);

function post(m: FromSocket): void {
  channel.postMessage(m);
  Atomics.add(flags, SIGNAL_MESSAGES, 1);
  Atomics.notify(flags, SIGNAL_MESSAGES);
}

let socket: Socket | null = null;
let noAck = false;
let lastSent = '';

function send(payload: string): void {
  lastSent = framePacket(payload);
  socket?.write(lastSent, 'latin1');
}

const server = createServer((s) => {
  // One debugger per run: later connections are refused, and nobody else may attach once it leaves.
  server.close();
  if (socket !== null) {
    s.destroy();
    return;
  }
  socket = s;
  s.setNoDelay(true);
  const reader = new PacketReader();
  s.on('data', (bytes) =>
    reader.feed(bytes, (e) => {
      switch (e.kind) {
        case 'packet':
          if (!noAck) s.write('+');
          if (e.payload === 'QStartNoAckMode') {
            // Framing only: answered here, and acks stop after this reply.
            send('OK');
            noAck = true;
          } else post({ kind: 'packet', payload: e.payload });
          break;
        case 'bad-packet':
          if (!noAck) s.write('-');
          break;
        case 'nack':
          if (lastSent !== '') s.write(lastSent, 'latin1');
          break;
        case 'interrupt':
          Atomics.store(flags, SIGNAL_INTERRUPT, 1);
          break;
        case 'ack':
          break;
      }
    }),
  );
  s.on('error', () => s.destroy());
  s.on('close', () => post({ kind: 'closed' }));
  post({ kind: 'connected' });
});

server.on('error', (e: NodeJS.ErrnoException) => {
  parent.postMessage({ kind: 'error', code: e.code ?? '', message: e.message } satisfies ListenOutcome);
  channel.close();
});

server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  parent.postMessage({ kind: 'listening', port: typeof address === 'object' && address !== null ? address.port : port } satisfies ListenOutcome);
});

channel.on('message', (m: ToSocket) => {
  if (m.kind === 'send') {
    send(m.payload);
    return;
  }
  // The run is over: flush what was sent, then let this thread end.
  channel.close();
  if (server.listening) server.close();
  if (socket === null) return;
  const s = socket;
  s.end(() => s.destroy());
});
