/**
 * ET_REL loading against ld.lld as the oracle: the same llvm-mc object, laid out by our loader
 * at an address and linked by ld.lld with a script that places its sections in the same order,
 * must give the same bytes at the same addresses and the same symbol addresses.
 */
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { loadElf, parseElf } from '../../src/rom';
import { assemble, link, missing, run, scratch, tools } from './toolchain';

const A32_SOURCE = `
    .syntax unified
    .arch armv7-a
    .text
    .global _start
    .type _start, %function
_start:
    bl      far_func                        @ R_ARM_CALL
    b       far_func                        @ R_ARM_JUMP24
    movw    r0, #:lower16:data_word         @ R_ARM_MOVW_ABS_NC
    movt    r0, #:upper16:data_word         @ R_ARM_MOVT_ABS
    movw    r1, #:lower16:(data_word + 0x1234)
    movt    r1, #:upper16:(data_word + 0x12340)
    bl      thumb_func                      @ R_ARM_CALL to Thumb: becomes BLX
    blx     far_func                        @ R_ARM_CALL, BLX to Arm: becomes BL
    ldr     r2, =data_word                  @ literal: R_ARM_ABS32
    bx      lr
    .ltorg
    .size _start, . - _start

    .section .text.far, "ax", %progbits
    .p2align 4
    .global far_func
    .type far_func, %function
far_func:
    bx      lr
    .size far_func, . - far_func
    .thumb
    .global thumb_func
    .type thumb_func, %function
    .thumb_func
thumb_func:
    bl      far_func                        @ R_ARM_THM_CALL to Arm: becomes BLX
    bl      _start                          @ across sections
    bl      thumb_far                       @ R_ARM_THM_CALL
    b.w     thumb_far                       @ R_ARM_THM_JUMP24
    movw    r0, #:lower16:data_word         @ R_ARM_THM_MOVW_ABS_NC
    movt    r0, #:upper16:data_word         @ R_ARM_THM_MOVT_ABS
    bx      lr
    .size thumb_func, . - thumb_func

    .section .text.thumb, "ax", %progbits
    .thumb
    .global thumb_far
    .type thumb_far, %function
    .thumb_func
thumb_far:
    bx      lr
    .size thumb_far, . - thumb_far

    .data
    .p2align 3
    .global data_word
    .type data_word, %object
data_word:
    .word   0x11223344
    .word   far_func                        @ R_ARM_ABS32
    .word   thumb_func                      @ R_ARM_ABS32, Thumb bit set
    .word   _start + 8
    .word   far_func - .                    @ R_ARM_REL32
    .size data_word, . - data_word

    .bss
    .p2align 4
    .global bss_area
bss_area:
    .space  64
`;

const A64_SOURCE = `
    .text
    .global _start
    .type _start, %function
_start:
    bl      far_func                        // R_AARCH64_CALL26
    b       far_func                        // R_AARCH64_JUMP26
    adrp    x0, data_word                   // R_AARCH64_ADR_PREL_PG_HI21
    add     x0, x0, :lo12:data_word         // R_AARCH64_ADD_ABS_LO12_NC
    adrp    x2, data_dword
    ldr     x1, [x2, :lo12:data_dword]      // R_AARCH64_LDST64_ABS_LO12_NC
    ldr     w3, [x2, :lo12:data_word]       // R_AARCH64_LDST32_ABS_LO12_NC
    ldrb    w4, [x2, :lo12:data_byte]       // R_AARCH64_LDST8_ABS_LO12_NC
    ldrh    w4, [x2, :lo12:data_half]       // R_AARCH64_LDST16_ABS_LO12_NC
    ldr     q0, [x2, :lo12:data_quad]       // R_AARCH64_LDST128_ABS_LO12_NC
    adr     x5, far_func                    // R_AARCH64_ADR_PREL_LO21
    b.eq    far_func                        // R_AARCH64_CONDBR19
    cbz     x0, far_func                    // R_AARCH64_CONDBR19
    tbz     x0, #3, far_func                // R_AARCH64_TSTBR14
    ldr     x6, far_literal                 // R_AARCH64_LD_PREL_LO19
    movz    x7, #:abs_g3:data_word          // R_AARCH64_MOVW_UABS_G3
    movk    x7, #:abs_g2_nc:data_word       // R_AARCH64_MOVW_UABS_G2_NC
    movk    x7, #:abs_g1_nc:data_word       // R_AARCH64_MOVW_UABS_G1_NC
    movk    x7, #:abs_g0_nc:data_word       // R_AARCH64_MOVW_UABS_G0_NC
    ret
    .size _start, . - _start

    .section .text.far, "ax", %progbits
    .p2align 4
    .global far_func
    .type far_func, %function
far_func:
    ret
    .size far_func, . - far_func
far_literal:
    .quad   0x1122334455667788

    .data
    .p2align 4
    .global data_word
    .type data_word, %object
data_word:
    .word   1
data_byte:
    .byte   2
    .p2align 1
data_half:
    .hword  3
    .p2align 3
data_dword:
    .quad   far_func                        // R_AARCH64_ABS64
    .word   data_word                       // R_AARCH64_ABS32
    .word   far_func - .                    // R_AARCH64_PREL32
    .quad   far_func - .                    // R_AARCH64_PREL64
    .p2align 4
data_quad:
    .quad   1, 2
    .size data_word, . - data_word

    .bss
    .p2align 4
bss_area:
    .space  64
`;

const CASES = [
  {
    isa: 'a32' as const,
    source: A32_SOURCE,
    sections: ['.text', '.text.far', '.text.thumb', '.data', '.bss'],
    relocations: [
      'R_ARM_CALL',
      'R_ARM_JUMP24',
      'R_ARM_MOVW_ABS_NC',
      'R_ARM_MOVT_ABS',
      'R_ARM_ABS32',
      'R_ARM_REL32',
      'R_ARM_THM_CALL',
      'R_ARM_THM_JUMP24',
      'R_ARM_THM_MOVW_ABS_NC',
      'R_ARM_THM_MOVT_ABS',
    ],
  },
  {
    isa: 'a64' as const,
    source: A64_SOURCE,
    sections: ['.text', '.text.far', '.data', '.bss'],
    relocations: [
      'R_AARCH64_CALL26',
      'R_AARCH64_JUMP26',
      'R_AARCH64_ADR_PREL_PG_HI21',
      'R_AARCH64_ADD_ABS_LO12_NC',
      'R_AARCH64_LDST8_ABS_LO12_NC',
      'R_AARCH64_LDST16_ABS_LO12_NC',
      'R_AARCH64_LDST32_ABS_LO12_NC',
      'R_AARCH64_LDST64_ABS_LO12_NC',
      'R_AARCH64_LDST128_ABS_LO12_NC',
      'R_AARCH64_ADR_PREL_LO21',
      'R_AARCH64_CONDBR19',
      'R_AARCH64_TSTBR14',
      'R_AARCH64_LD_PREL_LO19',
      'R_AARCH64_MOVW_UABS_G3',
      'R_AARCH64_MOVW_UABS_G0_NC',
      'R_AARCH64_ABS64',
      'R_AARCH64_ABS32',
      'R_AARCH64_PREL32',
      'R_AARCH64_PREL64',
    ],
  },
];

// Load addresses: zero, QEMU virt RAM, and one that is not page aligned (ADRP pages differ).
const ADDRESSES = [0, 0x4000_0000, 0x1234_5670];

const skip = missing('mc', 'lld', 'objdump');
const work = skip === undefined ? scratch() : undefined;
afterAll(() => work?.done());

describe.skipIf(skip !== undefined)(`ET_REL loading agrees with ld.lld${skip ? ` (skipped: ${skip})` : ''}`, () => {
  for (const c of CASES) {
    it(`${c.isa}: the object carries the relocations under test`, () => {
      const dir = work!.dir;
      const obj = assemble(c.isa, c.source, dir, `${c.isa}-relocs`);
      writeFileSync(join(dir, `${c.isa}-relocs.o`), obj);
      const listing = run(tools.objdump!, ['-r', join(dir, `${c.isa}-relocs.o`)]);
      for (const r of c.relocations) expect(listing, r).toContain(r);
    });

    for (const base of ADDRESSES) {
      it(`${c.isa}: sections, bytes and symbols at 0x${base.toString(16)} match ld.lld`, () => {
        const dir = work!.dir;
        const name = `${c.isa}-relocs`;
        const obj = assemble(c.isa, c.source, dir, name);
        const script = `SECTIONS { . = 0x${base.toString(16)}; ${c.sections.map((s) => `${s} : { *(${s}) }`).join(' ')} }`;
        const linked = parseElf(link(dir, [join(dir, `${name}.o`)], script, `${name}-${base}`));

        const image = loadElf(obj, { loadAddress: base });
        expect(image.format).toBe('elf-rel');
        expect(image.segments.map((s) => s.name)).toEqual(c.sections);
        for (const seg of image.segments) {
          const ref = linked.sections.find((s) => s.name === seg.name)!;
          expect(seg.address, seg.name).toBe(ref.sh_addr);
          const refBytes = ref.sh_type === 8 ? new Uint8Array(ref.sh_size) : linked.bytes.subarray(ref.sh_offset, ref.sh_offset + ref.sh_size);
          expect(Buffer.from(seg.bytes).toString('hex'), seg.name).toBe(Buffer.from(refBytes).toString('hex'));
        }

        // Every named, defined, non-mapping symbol of the linked file has the same address.
        let compared = 0;
        for (const s of linked.symtab!.symbols) {
          if (s.name === '' || s.name.startsWith('$') || s.type === 3 || s.type === 4 || s.shndx === 0) continue;
          const mine = image.findSymbol(s.name);
          const thumb = c.isa === 'a32' && s.type === 2 && (s.value & 1) === 1;
          expect(mine.address, s.name).toBe(thumb ? s.value - 1 : s.value);
          if (thumb) expect(mine.isa, s.name).toBe('t32');
          compared++;
        }
        expect(compared).toBeGreaterThanOrEqual(4);
        expect(image.entry).toBe(image.findSymbol('_start').address);
      });
    }
  }

  it('a32: symbols get the ISA of their code and mapping symbols are not listed', () => {
    const image = loadElf(assemble('a32', A32_SOURCE, work!.dir, 'a32-isa'), { loadAddress: 0x1000 });
    expect(image.findSymbol('_start').isa).toBe('a32');
    expect(image.findSymbol('far_func').isa).toBe('a32');
    expect(image.findSymbol('thumb_func').isa).toBe('t32');
    expect(image.findSymbol('thumb_far').isa).toBe('t32');
    expect(image.findSymbol('thumb_func').kind).toBe('function');
    expect(image.findSymbol('data_word').kind).toBe('object');
    expect(image.symbols.some((s) => s.name.startsWith('$'))).toBe(false);
    const thumb = image.findSymbol('thumb_func');
    expect(image.kindAt(thumb.address)).toBe('t32');
    expect(image.kindAt(image.findSymbol('_start').address)).toBe('a32');
    // The literal pool after _start's code is data ($d).
    const start = image.findSymbol('_start');
    expect(image.kindAt(start.address + start.size - 4)).toBe('data');
    expect(image.isa).toBe('a32');
  });

  it('a64: every symbol is A64 and sizes come from .size', () => {
    const image = loadElf(assemble('a64', A64_SOURCE, work!.dir, 'a64-isa'), { loadAddress: 0x8000 });
    expect(image.isa).toBe('a64');
    expect(image.symbols.every((s) => s.isa === 'a64')).toBe(true);
    expect(image.findSymbol('_start').size).toBe(20 * 4);
    expect(image.findSymbol('far_func').address % 16).toBe(0);
    expect(image.kindAt(image.findSymbol('far_func').address)).toBe('a64');
  });
});
