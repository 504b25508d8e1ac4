// Stale clean line, AArch64: a guest whose correctness needs the hypervisor to carry out its
// set/way *invalidate*, not only to clean dirty lines. With caches on it writes pattern P1,
// cleans and invalidates by set/way, and reads the buffer (clean copies of P1 now sit in L1).
// With caches off it writes P2 to memory (non-cacheable stores snoop nothing, so the clean
// copies of P1 survive), invalidates L1 by set/way, turns caches on and reads P2 back. On bare
// metal the invalidate drops the stale copies and every word reads P2; a hypervisor that skips
// the invalidate leaves the guest reading P1.
//
// Entry: EL1, MMU and caches off, at _start (CODE_BASE). Parameters: buffer address and seed from
// the block at PARAM_BLOCK (roms/include/layout.inc); the buffer is 32 KiB, the size of L1D on
// every preset, so every clean copy of P1 is still in L1 when P2 is read back. P1 at address a
// is (a XOR seed), P2 its complement. Exit: hvc #0 with x0 = words that did not read back as P2.
//
// Arm ARM (DDI 0487): D8 (VMSAv8-64 level 1 block descriptors), D17 (MAIR_EL1, TCR_EL1,
// TTBR0_EL1, SCTLR_EL1), D7.5 (data cache maintenance by set/way; non-cacheable accesses).

    .include "layout.inc"

    .equ L1_BLOCK_DEVICE, 0b01 | (0 << 2) | (1 << 10) | (1 << 53) | (1 << 54) // AttrIndx 0, AF, PXN, UXN
    .equ L1_BLOCK_NORMAL, 0b01 | (1 << 2) | (0b11 << 8) | (1 << 10)          // AttrIndx 1, Inner Shareable, AF
    .equ BUFFER_BYTES,    0x8000
    .equ MAIR_VALUE,      0xff00                    // Attr0 Device-nGnRnE, Attr1 Normal WB RW-allocate
    .equ TCR_VALUE,       (32 << 0) | (32 << 16) | (1 << 23) | (0b10 << 30) // 4 GiB TTBR0 VA, EPD1, 4KB granules
    .equ SCTLR_M,         1 << 0
    .equ SCTLR_C,         1 << 2

    .section .text.start, "ax", %progbits
    .global _start
    .type   _start, %function
_start:
    ldr     x0, =STACK_TOP
    mov     sp, x0
    ldr     x19, =PARAM_BLOCK
    ldr     x20, [x19, #PARAM_BUFFER]
    add     x21, x20, #BUFFER_BYTES     // buffer end
    ldr     w22, [x19, #PARAM_SEED]

    // Identity map with 1 GiB level 1 blocks: [0, 1 GiB) Device, [1 GiB, 2 GiB) Normal.
    ldr     x0, =TABLE_BASE
    ldr     x1, =L1_BLOCK_DEVICE
    str     x1, [x0, #0]
    ldr     x1, =RAM_BASE | L1_BLOCK_NORMAL
    str     x1, [x0, #8]
    str     xzr, [x0, #16]
    str     xzr, [x0, #24]
    ldr     x1, =MAIR_VALUE
    msr     mair_el1, x1
    ldr     x1, =TCR_VALUE
    msr     tcr_el1, x1
    msr     ttbr0_el1, x0
    dsb     sy
    tlbi    vmalle1
    dsb     sy
    isb

    bl      caches_on
    // P1 through the cache, then clean and invalidate everything to the PoC.
    mov     x0, x20
1:  eor     w1, w0, w22
    str     w1, [x0], #4
    cmp     x0, x21
    b.lo    1b
    bl      flush_dcache_all
    // Read P1 back: clean copies of every line now sit in the data cache.
    mov     x0, x20
    mov     w2, #0
2:  ldr     w1, [x0], #4
    add     w2, w2, w1
    cmp     x0, x21
    b.lo    2b

    bl      caches_off
    // P2 straight to memory, past the clean copies of P1.
    mov     x0, x20
3:  eor     w1, w0, w22
    mvn     w1, w1
    str     w1, [x0], #4
    cmp     x0, x21
    b.lo    3b
    dsb     sy
    bl      invalidate_l1
    bl      caches_on

    // Count the words that do not read back as P2.
    mov     w25, #0
    mov     x0, x20
4:  ldr     w1, [x0]
    eor     w2, w0, w22
    mvn     w2, w2
    cmp     w1, w2
    cinc    w25, w25, ne
    add     x0, x0, #4
    cmp     x0, x21
    b.lo    4b
    mov     w0, w25
    hvc     #0
5:  b       5b
    .size   _start, . - _start

    .type   caches_on, %function
caches_on:
    mrs     x0, sctlr_el1
    orr     x0, x0, #SCTLR_M
    orr     x0, x0, #SCTLR_C
    msr     sctlr_el1, x0
    isb
    ret
    .size   caches_on, . - caches_on

    .type   caches_off, %function
caches_off:
    dsb     sy
    mrs     x0, sctlr_el1
    bic     x0, x0, #SCTLR_M
    bic     x0, x0, #SCTLR_C
    msr     sctlr_el1, x0
    isb
    ret
    .size   caches_off, . - caches_off
    .ltorg

    .include "param-block.inc"
