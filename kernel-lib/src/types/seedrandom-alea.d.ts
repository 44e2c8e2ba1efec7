/**
 * Types for seedrandom's `alea` generator imported on its own (`seedrandom/lib/alea`): the
 * package's index also bundles ARC4 and five other generators cbm-kit does not use (about 6 KB
 * of a browser bundle), and @types/seedrandom declares only the index.
 */
declare module 'seedrandom/lib/alea' {
  interface AleaGenerator {
    (): number;
    int32(): number;
    double(): number;
  }
  function alea(seed?: string): AleaGenerator;
  export = alea;
}
