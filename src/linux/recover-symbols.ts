/** kallsyms plus the link address of Image offset 0: everything needed to name code in an Image. */
import { readKallsyms, type KallsymsLayout, type KallsymsSymbol } from './kallsyms';
import { findLinkAddress, type LinkAddress } from './link-address';

export interface RecoveredSymbols {
  readonly symbols: readonly KallsymsSymbol[];
  readonly layout: KallsymsLayout;
  /** Link address of Image offset 0 (`_text`) and how it was established. */
  readonly text: LinkAddress;
}

export function recoverKernelSymbols(image: Uint8Array): RecoveredSymbols {
  const { symbols, layout } = readKallsyms(image);
  return { symbols, layout, text: findLinkAddress(image, symbols) };
}
