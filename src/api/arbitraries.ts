/**
 * `setway/arbitraries`: fast-check arbitraries for your own property tests. fast-check is a peer
 * dependency of setway, needed only by this entry point:
 *
 *   import * as arbitraries from 'setway/arbitraries';
 */
/** fast-check arbitraries for system-register encodings and syndromes, for your own property tests. */
export { conditionArb, tableCoprocAccessArb, tableSysAccessArb, anyCoprocAccessArb, anySysAccessArb, anySyndromeArb, syndromeArb } from '../exec/syndrome/arbitraries';
/** Random well-behaved guests for the script ROM: property-test your own policy against bare metal. */
export { scriptGuestArb, SCRIPT_BUFFER_BYTES } from '../scenarios/script-arbitrary';
