/**
 * The function harness stubs, assembled from roms/stubs/handoff-{a32,a64}.s with llvm-mc 14 (a
 * test checks these words against a fresh assembly). Kept as words so that running a flush
 * function needs no toolchain on the user's machine.
 */

/** roms/stubs/handoff-a32.s: r4 buffer, r5 bytes, r6 seed, r7 function (kept in r8, TPIDRURW, TPIDRPRW across the call). */
export const HANDOFF_STUB_A32 = Uint32Array.of(
  0xee110f10, 0xe3800005, 0xe3800a01, 0xee010f10, 0xf57ff06f, 0xe1a00004, 0xe0841005, 0xea000001, 0xe0202006, 0xe4802004,
  0xe1500001, 0x3afffffb, 0xf57ff04f, 0xe1a08004, 0xee0d5f50, 0xee0d6f90, 0xe12fff37, 0xe1a04008, 0xee1d5f50, 0xee1d6f90,
  0xee110f10, 0xe3c00005, 0xe3c00a01, 0xee010f10, 0xf57ff06f, 0xe3a00000, 0xe1a01004, 0xe0842005, 0xea000004, 0xe5913000,
  0xe021c006, 0xe153000c, 0x12800001, 0xe2811004, 0xe1510002, 0x3afffff8, 0xe1400070,
);

/** roms/stubs/handoff-a64.s: x19 buffer, x20 bytes, x21 seed, x22 function. */
export const HANDOFF_STUB_A64 = Uint32Array.of(
  0xd5381000, 0xd28200a1, 0xaa010000, 0xd5181000, 0xd5033fdf, 0xaa1303e0, 0x8b140261, 0x14000003, 0xca150002, 0xf8008402,
  0xeb01001f, 0x54ffffa3, 0xd5033f9f, 0xd63f02c0, 0xd5381000, 0xd28200a1, 0x8a210000, 0xd5181000, 0xd5033fdf, 0xd2800000,
  0xaa1303e1, 0x8b140262, 0x14000006, 0xf9400023, 0xca150024, 0xeb04007f, 0x9a800400, 0x91002021, 0xeb02003f, 0x54ffff43,
  0xd4000002,
);

export const STUB_SOURCES = { a32: 'roms/stubs/handoff-a32.s', a64: 'roms/stubs/handoff-a64.s' } as const;
