/** `setway decode --isa t32`: halfwords as llvm-objdump prints them, 4 hex digits for 16 bits, 8 for 32. */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function setway(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'setway.js'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('setway decode --isa t32', () => {
  it('decodes 16- and 32-bit encodings, first halfword first', () => {
    const r = setway('decode', 'f3bf8f4f', '4770', 'bf08', 'ee075f5e', '--isa', 't32');
    expect(r.code).toBe(0);
    expect(r.out.split('\n').filter(Boolean)).toEqual(['f3bf8f4f  dsb sy', '4770  bx lr', 'bf08  it eq', 'ee075f5e  mcr p15, #0, r5, c7, c14, #2']);
  });

  it('rejects a length that does not match the encoding (exit 2)', () => {
    expect(setway('decode', 'f3bf', '--isa', 't32').code).toBe(2);
    expect(setway('decode', '4770bf00', '--isa', 't32').code).toBe(2);
  });
});
