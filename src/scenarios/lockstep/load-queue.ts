/**
 * Loads the reference run has made and the subject run has not yet matched: a growable ring of
 * (va, pa, size, value) in typed arrays, so a long run stores only the distance between the two.
 */
export class LoadQueue {
  private va = new Float64Array(1024);
  private pa = new Float64Array(1024);
  private value = new Uint32Array(1024);
  private size = new Uint8Array(1024);
  private head = 0;
  private tail = 0;
  /** Loads pushed since the start. */
  pushed = 0;

  get length(): number {
    return this.tail - this.head;
  }

  push(va: number, pa: number, size: number, value: number): void {
    if (this.tail === this.va.length) this.compactOrGrow();
    const i = this.tail++;
    this.va[i] = va;
    this.pa[i] = pa;
    this.size[i] = size;
    this.value[i] = value;
    this.pushed++;
  }

  /** The oldest load (valid while length > 0). */
  get headVa(): number {
    return this.va[this.head];
  }
  get headPa(): number {
    return this.pa[this.head];
  }
  get headSize(): number {
    return this.size[this.head];
  }
  get headValue(): number {
    return this.value[this.head];
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

  private compactOrGrow(): void {
    const n = this.tail - this.head;
    if (n * 2 <= this.va.length) {
      this.va.copyWithin(0, this.head, this.tail);
      this.pa.copyWithin(0, this.head, this.tail);
      this.size.copyWithin(0, this.head, this.tail);
      this.value.copyWithin(0, this.head, this.tail);
    } else {
      const grow = <T extends Float64Array | Uint32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
        const b = make(a.length * 2);
        b.set(a.subarray(this.head, this.tail));
        return b;
      };
      this.va = grow(this.va, (k) => new Float64Array(k));
      this.pa = grow(this.pa, (k) => new Float64Array(k));
      this.size = grow(this.size, (k) => new Uint8Array(k));
      this.value = grow(this.value, (k) => new Uint32Array(k));
    }
    this.head = 0;
    this.tail = n;
  }
}
