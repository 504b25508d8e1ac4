/**
 * The identification registers every ARM PrimeCell ends its 4 KiB register block with: four
 * Peripheral ID bytes at 0xFE0-0xFEC (part number, designer 0x41 'A', revision, configuration) and
 * the four fixed PrimeCell ID bytes 0x0D, 0xF0, 0x05, 0xB1 at 0xFF0-0xFFC, one byte per word
 * (each TRM's "Peripheral Identification Registers" and "PrimeCell Identification Registers").
 * Linux's AMBA bus reads them to match a driver to the device.
 */

export const PRIMECELL_ID_BASE = 0xfe0;
const PRIMECELL_CID = [0x0d, 0xf0, 0x05, 0xb1] as const;

/** The value of the ID register at word-aligned `offset` (0xFE0-0xFFC); undefined below 0xFE0. */
export function primeCellIdRegister(offset: number, periphId: readonly [number, number, number, number]): number | undefined {
  if (offset < PRIMECELL_ID_BASE || offset > 0xffc) return undefined;
  const index = (offset - PRIMECELL_ID_BASE) >>> 2;
  return index < 4 ? periphId[index] : PRIMECELL_CID[index - 4];
}
