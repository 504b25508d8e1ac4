/**
 * Run in a child process by bench/run.ts: a 16 GiB guest that touches 64 MiB spread over its RAM,
 * then a full kvm-policy flush, and print the process's peak RSS (MiB) as JSON. The run is not
 * compared with bare metal (compare: false): the RSS is that of the one guest, not of a second,
 * reference machine; linesNotAtPoC (memory left stale) is printed for information.
 */
import { readFileSync } from 'node:fs';
import { loadElf } from '../src/rom';
import { runFunction } from '../src/scenarios/function-harness';
import { romPath } from '../src/scenarios/rom-images';

const GiB = 2 ** 30;
const image = loadElf(new Uint8Array(readFileSync(romPath('a32-set-way.o'))), { loadAddress: 0x4100_0000 });
const r = runFunction({
  image,
  entry: image.findSymbol('flush_dcache_all').address,
  policy: 'kvm',
  preset: 'cubietruck',
  bufferBytes: 256 * 1024,
  guestRamBytes: 16 * GiB,
  compare: false,
  // 64 MiB touched: one page in every 1020 KiB of the 16 GiB, written as the guest's earlier life would have.
  prepare: (machine, vm) => {
    for (let i = 0; i < 16384; i++) {
      const pa = vm.ipaToPa(vm.ramIpa + 32 * 2 ** 20 + i * 0xff000);
      for (let off = 0; off < 4096; off += 64) machine.memory.write32(pa + off, i);
    }
  },
});
process.stdout.write(
  JSON.stringify({ maxRssMiB: process.resourceUsage().maxRSS / 1024, linesNotAtPoC: r.linesNotAtPoC, touchedMiB: 64, guestGiB: 16, instructions: r.instructions }) + '\n',
);
