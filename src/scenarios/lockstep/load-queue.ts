/**
 * A growable ring of loads in typed arrays (va, pa, size, value per load), so a long run stores
 * only the distance between the two sides of a comparison and allocates nothing per load.
 * `SubjectLoadQueue` (subject-loads.ts) adds its columns through `columns`/`setColumns`.
 */
type Column = Float64Array | Uint32Array | Uint8Array;

export class LoadQueue {
  va: Float64Array = new Float64Array(1024);
  pa: Float64Array = new Float64Array(1024);
  value: Uint32Array = new Uint32Array(1024);
  size: Uint8Array = new Uint8Array(1024);
  head = 0;
  tail = 0;

  get length(): number {
    return this.tail - this.head;
  }

  push(va: number, pa: number, size: number, value: number): void {
    const i = this.reserve();
    this.va[i] = va;
    this.pa[i] = pa;
    this.size[i] = size;
    this.value[i] = value;
  }

  /** The i-th load from the head (0 = head); for replaying a queue that is kept whole. */
  vaAt(i: number): number {
    return this.va[this.head + i];
  }
  paAt(i: number): number {
    return this.pa[this.head + i];
  }
  sizeAt(i: number): number {
    return this.size[this.head + i];
  }
  valueAt(i: number): number {
    return this.value[this.head + i];
  }

  shift(): void {
    this.head++;
    if (this.head === this.tail) this.head = this.tail = 0;
  }

  /** Drop the newest load. */
  pop(): void {
    this.tail--;
    if (this.head === this.tail) this.head = this.tail = 0;
  }

  clear(): void {
    this.head = this.tail = 0;
  }

  /** The index of a new load at the tail, after making room. */
  protected reserve(): number {
    if (this.tail === this.va.length) this.compactOrGrow();
    return this.tail++;
  }

  /** Every column, in a fixed order, to move or grow together. */
  protected columns(): Column[] {
    return [this.va, this.pa, this.value, this.size];
  }

  /** Take the grown columns back, in `columns` order. */
  protected setColumns(c: Column[]): void {
    this.va = c[0] as Float64Array;
    this.pa = c[1] as Float64Array;
    this.value = c[2] as Uint32Array;
    this.size = c[3] as Uint8Array;
  }

  private compactOrGrow(): void {
    const n = this.tail - this.head;
    const columns = this.columns();
    if (n * 2 <= this.va.length) {
      for (const c of columns) c.copyWithin(0, this.head, this.tail);
    } else {
      this.setColumns(
        columns.map((c) => {
          const b = new (c.constructor as new (n: number) => Column)(c.length * 2);
          b.set(c.subarray(this.head, this.tail));
          return b;
        }),
      );
    }
    this.head = 0;
    this.tail = n;
  }
}
