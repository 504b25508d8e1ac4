/** fast-check arbitraries for system-register encodings and syndromes, for your own property tests. */
export { conditionArb, tableCoprocAccessArb, tableSysAccessArb, anyCoprocAccessArb, anySysAccessArb, anySyndromeArb, syndromeArb } from '../exec/syndrome/arbitraries';
