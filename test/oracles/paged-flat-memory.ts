/** VA = PA memory that also hands out code pages: the executors take their fast path (blocks) on it. */
import { codePageTableOf, type CodePageSource, type HostCodePage } from '../../src/exec/code-page';
import { FlatMemory } from '../../src/exec/flat-memory';

export class PagedFlatMemory extends FlatMemory implements CodePageSource {
  private readonly table = codePageTableOf(this.physical);
  codePage(va: number): HostCodePage | null {
    this.fetch16(va); // the abort a fetch at va takes (a T32 fetch may be halfword-aligned)
    return this.table.get(Math.floor(va / 4096));
  }
}
