/** VA = PA memory that also hands out code pages: the executors take their fast path (blocks) on it. */
import { codePageTableOf, type CodePageSource, type HostCodePage } from '../../src/exec/code-page';
import { FlatMemory } from '../../src/exec/flat-memory';

export class PagedFlatMemory extends FlatMemory implements CodePageSource {
  private readonly table = codePageTableOf(this.physical);
  codePage(va: number): HostCodePage | null {
    this.fetch32(va); // the same abort as a fetch
    return this.table.get(Math.floor(va / 4096));
  }
}
