/** ITAdvance() (Arm ARM F1 "IT block state register, ITSTATE"): the ITSTATE after an instruction of an IT block. */
export function itAdvance(it: number): number {
  return (it & 7) === 0 ? 0 : ((it & 0xe0) | ((it << 1) & 0x1f)) & 0xff;
}
