/** Our own guest ROMs (roms/build), found next to the code whatever the working directory. */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadElf } from '../rom';
import type { LoadedImage } from '../rom/loaded-image';

// The package's bundles sit flat in dist/ with the ROMs copied to dist/roms/ (scripts/build.ts);
// the sources are two levels below roms/build/.
const BUNDLED_ROM_DIR = new URL('roms/', import.meta.url);
export const ROM_DIR = fileURLToPath(existsSync(BUNDLED_ROM_DIR) ? BUNDLED_ROM_DIR : new URL('../../roms/build/', import.meta.url));

export function romPath(file: string): string {
  return ROM_DIR + file;
}

export function loadRom(file: string, loadAddress?: number): LoadedImage {
  return loadElf(new Uint8Array(readFileSync(romPath(file))), loadAddress === undefined ? {} : { loadAddress });
}

/** Parameter and result block of the boot-handoff ROMs (roms/README.md, roms/include/layout.inc). */
export const HANDOFF = {
  paramBlock: 0x4001_0000,
  stackTop: 0x4002_0000,
  buffer: 0x4010_0000,
  bufferBytes: 0x10_0000,
  seed: 0x5eed_5eeb,
  offsets: { buffer: 0x08, size: 0x10, seed: 0x18, flags: 0x1c, flush: 0x20, done: 0x40, mismatches: 0x44 },
  doneMarker: 0x454e4f44,
  badParamsMarker: 0x44415042,
  flushRoutine: { all: 0, louis: 1, none: 2 },
} as const;
