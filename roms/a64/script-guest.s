// Script guest, AArch64: a guest whose behaviour is data, for property tests of the policies.
// It runs a list of operations from SCRIPT_BASE (16 bytes each: u32 op, u32 offset, u32 bytes,
// u32 seed; offsets from the buffer) with the real set/way routines of cache-set-way.s:
//   0 end: hvc #0 (x0 = sum of every word loaded, so the result depends on what was read)
//   1 store: the word at address a gets (a XOR seed), over [offset, offset+bytes)
//   2 load: read every word of the range, adding it to the sum
//   3 flush_dcache_all   4 flush_dcache_louis   5 invalidate_l1
//   6 MMU and data cache on   7 MMU and data cache off (DSB first)
//   8 DC CIVAC over the range   9 DC CVAC over the range (64-byte steps: the smallest line here)
// Unknown ops stop with x0 = 0xffffffff. Entry: EL1, MMU and caches off, at _start.
//
// Arm ARM (DDI 0487): D8 (VMSAv8-64 level 1 blocks), D17 (MAIR_EL1, TCR_EL1, TTBR0_EL1,
// SCTLR_EL1), C5.3 (DC CIVAC, DC CVAC), D7.5 (cache maintenance).

    .include "layout.inc"

    .equ SCRIPT_BASE,     0x40030000
    .equ L1_BLOCK_DEVICE, 0b01 | (0 << 2) | (1 << 10) | (1 << 53) | (1 << 54)
    .equ L1_BLOCK_NORMAL, 0b01 | (1 << 2) | (0b11 << 8) | (1 << 10)
    .equ MAIR_VALUE,      0xff00
    .equ TCR_VALUE,       (32 << 0) | (32 << 16) | (1 << 23) | (0b10 << 30)
    .equ SCTLR_M,         1 << 0
    .equ SCTLR_C,         1 << 2

// x19 script pointer, x20 buffer, x25 sum of loaded words.
    .section .text.start, "ax", %progbits
    .global _start
    .type   _start, %function
_start:
    ldr     x0, =STACK_TOP
    mov     sp, x0
    ldr     x0, =PARAM_BLOCK
    ldr     x20, [x0, #PARAM_BUFFER]
    ldr     x19, =SCRIPT_BASE
    mov     x25, #0

    // Identity map with 1 GiB level 1 blocks: [0, 1 GiB) Device, [1 GiB, 2 GiB) Normal.
    ldr     x0, =TABLE_BASE
    ldr     x1, =L1_BLOCK_DEVICE
    str     x1, [x0, #0]
    ldr     x1, =RAM_BASE | L1_BLOCK_NORMAL
    str     x1, [x0, #8]
    stp     xzr, xzr, [x0, #16]
    ldr     x1, =MAIR_VALUE
    msr     mair_el1, x1
    ldr     x1, =TCR_VALUE
    msr     tcr_el1, x1
    msr     ttbr0_el1, x0
    dsb     sy
    tlbi    vmalle1
    dsb     sy
    isb

next:
    ldp     w10, w11, [x19], #8         // op, offset
    ldp     w12, w13, [x19], #8         // bytes, seed
    add     x11, x20, x11               // start address
    add     x12, x11, x12               // end address (exclusive)
    cmp     w10, #9
    b.hi    bad_op
    adr     x14, ops
    ldr     w15, [x14, w10, uxtw #2]
    add     x14, x14, x15
    br      x14

ops:
    .word   op_end - ops, op_store - ops, op_load - ops, op_flush_all - ops, op_flush_louis - ops
    .word   op_invalidate_l1 - ops, op_caches_on - ops, op_caches_off - ops, op_civac - ops, op_cvac - ops

op_end:
    mov     w0, w25
    hvc     #0
1:  b       1b
bad_op:
    mov     w0, #-1
    hvc     #0
    b       1b

op_store:
    cmp     x11, x12
    b.hs    next
    eor     w1, w11, w13
    str     w1, [x11], #4
    b       op_store
op_load:
    cmp     x11, x12
    b.hs    next
    ldr     w1, [x11], #4
    add     w25, w25, w1
    b       op_load
op_flush_all:
    bl      flush_dcache_all
    b       next
op_flush_louis:
    bl      flush_dcache_louis
    b       next
op_invalidate_l1:
    bl      invalidate_l1
    b       next
op_caches_on:
    mrs     x0, sctlr_el1
    orr     x0, x0, #SCTLR_M
    orr     x0, x0, #SCTLR_C
    msr     sctlr_el1, x0
    isb
    b       next
op_caches_off:
    dsb     sy
    mrs     x0, sctlr_el1
    bic     x0, x0, #SCTLR_M
    bic     x0, x0, #SCTLR_C
    msr     sctlr_el1, x0
    isb
    b       next
op_civac:
    cmp     x11, x12
    b.hs    1f
    dc      civac, x11
    add     x11, x11, #64
    b       op_civac
1:  dsb     sy
    b       next
op_cvac:
    cmp     x11, x12
    b.hs    1f
    dc      cvac, x11
    add     x11, x11, #64
    b       op_cvac
1:  dsb     sy
    b       next
    .size   _start, . - _start
    .ltorg

    .include "param-block.inc"
