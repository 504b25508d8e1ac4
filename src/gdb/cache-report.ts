/**
 * `monitor cache ADDR`: the line holding a physical address in every cache of every pCPU, level
 * by level (a shared cache appears under each pCPU whose path reaches it), then memory. Read with
 * CacheSystem.inspectLine, which changes nothing.
 */
import type { CacheSystem } from '../cache/cache-system';
import type { PhysicalMemory } from '../mmu/physical-memory';

/** The line's bytes as little-endian 32-bit words in hex. */
function words(bytes: Uint8Array): string {
  const out: string[] = [];
  for (let i = 0; i + 4 <= bytes.length; i += 4) {
    const word = (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24)) >>> 0;
    out.push(word.toString(16).padStart(8, '0'));
  }
  return out.join(' ');
}

export function cacheReport(caches: CacheSystem, memory: PhysicalMemory, pa: number): string {
  const lineBytes = caches.lineBytes;
  const line = Math.floor(pa / lineBytes) * lineBytes;
  const copies = new Map(caches.inspectLine(pa).map((c) => [c.cache, c]));
  const width = Math.max(...caches.caches.map((c) => c.name.length));
  const out = [`line 0x${line.toString(16)} (${lineBytes} bytes, words little-endian):`];
  for (let cpu = 0; cpu < caches.cpus; cpu++) {
    const cluster = caches.caches.find((c) => c.ownerCpu === cpu)?.cluster ?? -1;
    const path = caches.caches.filter((c) => c.ownerCpu === cpu || (c.sharing === 'cluster' && c.cluster === cluster) || c.sharing === 'system');
    out.push(`pCPU ${cpu}:`);
    for (const c of path) {
      const copy = copies.get(c.name);
      const state = copy === undefined ? 'invalid' : copy.dirty ? 'valid dirty' : 'valid clean';
      out.push(`  L${c.level} ${c.name.padEnd(width)}  ${state.padEnd(11)}${copy === undefined ? '' : `  ${words(copy.bytes)}`}`);
    }
  }
  if (memory.isRam(line, lineBytes)) {
    const bytes = new Uint8Array(lineBytes);
    memory.readBytes(line, bytes);
    out.push(`memory ${''.padEnd(width + 1)}${''.padEnd(13)}  ${words(bytes)}`);
  } else out.push('memory: not RAM');
  return `${out.map((l) => l.trimEnd()).join('\n')}\n`;
}
