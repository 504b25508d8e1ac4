// binary-parser 2.3 ships types, but its package.json "exports" hides them from TypeScript's
// bundler resolution (no "types" condition). Point the bare import at the shipped declarations.
declare module 'binary-parser' {
  export { Parser } from 'binary-parser/dist/binary_parser.js';
}
