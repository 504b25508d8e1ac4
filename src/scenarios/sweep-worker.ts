/** A worker thread of a sweep on every core (src/scenarios/sweep-parallel.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { runClaimedSchedules, type SweepWorkerData } from './sweep-parallel';

if (parentPort === null) throw new Error('sweep-worker runs as a worker thread of sweepOnCores');
const port = parentPort;
runClaimedSchedules(workerData as SweepWorkerData, (m) => port.postMessage(m));
