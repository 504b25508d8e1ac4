/** What the GDB stub's socket thread (gdb-socket-worker.ts) and the main thread (server.ts) say to each other. */
import type { MessagePort } from 'node:worker_threads';

export interface GdbWorkerData {
  readonly port: number;
  readonly channel: MessagePort;
  /** Int32 [0]: messages posted on `channel`; [1]: interrupt requested. */
  readonly signal: SharedArrayBuffer;
}

/** Worker to main thread, on `channel`. */
export type FromSocket = { readonly kind: 'connected' } | { readonly kind: 'packet'; readonly payload: string } | { readonly kind: 'closed' };
/** Main thread to worker, on `channel`. */
export type ToSocket = { readonly kind: 'send'; readonly payload: string } | { readonly kind: 'close' };
/** Worker to main thread on the worker's own port, once. */
export type ListenOutcome = { readonly kind: 'listening'; readonly port: number } | { readonly kind: 'error'; readonly code: string; readonly message: string };

export const SIGNAL_MESSAGES = 0;
export const SIGNAL_INTERRUPT = 1;
