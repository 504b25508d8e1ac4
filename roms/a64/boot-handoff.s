// Boot handoff, AArch64: the scenario behind the set/way bug. A bootloader runs with the MMU
// and caches on, writes data (in real life: the kernel it decompressed), cleans its caches by
// set/way and turns MMU and caches off before jumping to the data. Whatever the set/way clean
// missed is still only in a cache and the uncached read-back sees stale memory.
//
// Entry: EL1, MMU and caches off, at _start (CODE_BASE).
// Parameters: the block at PARAM_BLOCK (roms/include/layout.inc, roms/README.md).
// Exit: hvc #0 with x0 = number of mismatched words (0xffffffff if the parameters were
// rejected); the result block holds the count, the first mismatch and the done marker.
//
// Architecture references (Arm ARM DDI 0487):
//   VMSAv8-64 4KB granule, level 1 and 2 block and table descriptors (D8 "Translation table descriptor formats")
//   stage 1 attributes: AttrIndx, SH, AP, AF, PXN, UXN (D8 "Memory attributes", "Access flag")
//   MAIR_EL1, TCR_EL1, TTBR0_EL1, SCTLR_EL1 (D17), TLBI VMALLE1, IC IALLU (C5)
//   barriers around system register and table updates (D8 "Translation table maintenance")

    .include "layout.inc"

// Descriptor fields (stage 1, 4KB granule).
    .equ DESC_BLOCK,     0b01            // bits[1:0] at level 1 and 2: block
    .equ DESC_TABLE,     0b11            // bits[1:0] at level 0..2: next-level table
    .equ ATTR_DEVICE,    0 << 2          // AttrIndx 0: MAIR_EL1.Attr0
    .equ ATTR_NORMAL,    1 << 2          // AttrIndx 1: MAIR_EL1.Attr1
    .equ SH_INNER,       0b11 << 8       // Inner Shareable
    .equ AF,             1 << 10         // access flag set: no Access flag fault on first use
    .equ PXN,            1 << 53
    .equ UXN,            1 << 54
    .equ BLOCK_DEVICE,   DESC_BLOCK | ATTR_DEVICE | AF | PXN | UXN  // AP 0b00: EL1 read/write
    .equ BLOCK_NORMAL,   DESC_BLOCK | ATTR_NORMAL | SH_INNER | AF
    .equ L2_BLOCK_SHIFT, 21              // 2 MiB blocks at level 2

// MAIR_EL1: Attr0 = 0x00 Device-nGnRnE; Attr1 = 0xff Normal, Inner and Outer Write-Back
// Non-transient, Read- and Write-Allocate.
    .equ MAIR_VALUE,     0xff00
// TCR_EL1: T0SZ = 32 (4 GiB of VA from TTBR0, lookup starts at level 1), IRGN0/ORGN0 = 0
// (table walks non-cacheable), SH0 = 0, TG0 = 0 (4KB), T1SZ = 32, EPD1 = 1 (no TTBR1 walks),
// TG1 = 0b10 (4KB), IPS = 0 (32-bit physical addresses).
    .equ TCR_VALUE,      (32 << 0) | (32 << 16) | (1 << 23) | (0b10 << 30)
// SCTLR_EL1 bits.
    .equ SCTLR_M,        1 << 0
    .equ SCTLR_C,        1 << 2
    .equ SCTLR_I,        1 << 12
    .equ L2_TABLE,       TABLE_BASE + 0x1000

// Registers kept across the whole program (callee-saved, so the flush routines keep them):
//   x19 parameter block   x20 buffer   x21 buffer end   w22 seed   w23 flags   w24 flush choice

    .section .text.start, "ax", %progbits
    .global _start
    .type   _start, %function
_start:
    ldr     x0, =STACK_TOP
    mov     sp, x0
    ldr     x19, =PARAM_BLOCK

    // Clear the result block first, so a stale "DONE" never survives a rerun.
    str     wzr, [x19, #RESULT_DONE]
    str     wzr, [x19, #RESULT_MISMATCHES]
    mov     x0, #-1
    str     x0, [x19, #RESULT_FIRST_ADDR]
    str     wzr, [x19, #RESULT_FIRST_READ]
    str     wzr, [x19, #RESULT_FIRST_WANT]

    // Read and check the parameters.
    ldr     w0, [x19, #PARAM_MAGIC]
    ldr     w1, =PARAM_MAGIC_VALUE
    cmp     w0, w1
    b.ne    bad_params
    ldr     x20, [x19, #PARAM_BUFFER]
    ldr     x0, [x19, #PARAM_SIZE]
    ldr     w22, [x19, #PARAM_SEED]
    ldr     w23, [x19, #PARAM_FLAGS]
    ldr     w24, [x19, #PARAM_FLUSH]
    tst     x20, #3                     // buffer word aligned
    b.ne    bad_params
    tst     x0, #3                      // size a multiple of 4 ...
    b.ne    bad_params
    cbz     x0, bad_params              // ... and not zero
    ldr     x1, =BUFFER_MIN
    cmp     x20, x1                     // above the code, stack and tables
    b.lo    bad_params
    ldr     x1, =RAM_MAPPED_END
    cmp     x20, x1
    b.hs    bad_params
    sub     x1, x1, x20                 // room left in the mapped RAM
    cmp     x0, x1
    b.hi    bad_params
    add     x21, x20, x0                // buffer end (exclusive)
    cmp     w24, #2
    b.hi    bad_params

    bl      build_tables

    ldr     x0, =MAIR_VALUE
    msr     mair_el1, x0
    ldr     x0, =TCR_VALUE
    msr     tcr_el1, x0
    ldr     x0, =TABLE_BASE             // TTBR0_EL1: level 1 table, ASID 0
    msr     ttbr0_el1, x0
    dsb     sy                          // table stores complete before the walker may read them
    tlbi    vmalle1                     // no stale translations
    ic      iallu
    dsb     sy
    isb                                 // the new MAIR/TCR/TTBR0 are in effect

    // Cache contents are UNKNOWN out of reset: optionally invalidate L1 before using it.
    tbz     w23, #0, 1f
    bl      invalidate_l1
1:
    // MMU, data and instruction caches on.
    mrs     x0, sctlr_el1
    orr     x0, x0, #SCTLR_M
    orr     x0, x0, #SCTLR_C
    orr     x0, x0, #SCTLR_I
    msr     sctlr_el1, x0
    isb                                 // later instructions see the new translation regime

    // Write the pattern: the word at address a holds (a XOR seed). With write-back caches on,
    // most of it now lives only in the data cache.
    mov     x0, x20
fill:
    eor     w1, w0, w22
    str     w1, [x0], #4
    cmp     x0, x21
    b.lo    fill

    // Clean the caches by set/way, as the selected routine does it.
    cbnz    w24, 2f
    bl      flush_dcache_all
    b       3f
2:  cmp     w24, #1
    b.ne    3f
    bl      flush_dcache_louis
3:
    // MMU and caches off. From here on every access goes straight to memory.
    dsb     sy                          // the stores above and the maintenance have completed
    mrs     x0, sctlr_el1
    bic     x0, x0, #SCTLR_M
    bic     x0, x0, #SCTLR_C
    bic     x0, x0, #SCTLR_I
    msr     sctlr_el1, x0
    isb

    // Read the buffer back and count the words that differ from the pattern.
    mov     w25, #0                     // mismatches
    mov     x0, x20
check:
    ldr     w1, [x0]
    eor     w2, w0, w22
    cmp     w1, w2
    b.eq    check_next
    cbnz    w25, 4f                     // remember the first one
    str     x0, [x19, #RESULT_FIRST_ADDR]
    str     w1, [x19, #RESULT_FIRST_READ]
    str     w2, [x19, #RESULT_FIRST_WANT]
4:  add     w25, w25, #1
check_next:
    add     x0, x0, #4
    cmp     x0, x21
    b.lo    check

    str     w25, [x19, #RESULT_MISMATCHES]
    dsb     sy                          // the count is visible before the marker
    ldr     w0, =DONE_MARKER
    str     w0, [x19, #RESULT_DONE]
    dsb     sy
    mov     w0, w25                     // x0 = mismatch count
    hvc     #0
halt:
    b       halt

bad_params:
    ldr     w0, =BAD_PARAMS_MARKER
    str     w0, [x19, #RESULT_DONE]
    dsb     sy
    mov     w0, #-1                     // x0 = 0xffffffff: parameters rejected
    hvc     #0
    b       halt
    .size   _start, . - _start

// Identity-map the low 2 GiB: level 1 entry 0 is a 1 GiB Device block over [0, RAM_BASE),
// entry 1 points to a level 2 table of 512 Normal 2 MiB blocks over [RAM_BASE, RAM_MAPPED_END),
// entries 2 and 3 are invalid. Runs with the MMU off. Clobbers x0-x4.
    .type   build_tables, %function
build_tables:
    ldr     x0, =TABLE_BASE
    ldr     x1, =BLOCK_DEVICE           // output address 0
    str     x1, [x0, #0]
    ldr     x1, =L2_TABLE + DESC_TABLE
    str     x1, [x0, #8]
    str     xzr, [x0, #16]
    str     xzr, [x0, #24]
    ldr     x0, =L2_TABLE
    ldr     x2, =RAM_BASE | BLOCK_NORMAL
    mov     x3, #0                      // entry index
1:  lsl     x4, x3, #L2_BLOCK_SHIFT
    add     x1, x2, x4                  // output address = input address
    str     x1, [x0, x3, lsl #3]
    add     x3, x3, #1
    cmp     x3, #512
    b.lo    1b
    ret
    .size   build_tables, . - build_tables
    .ltorg

    .include "param-block.inc"
