// Setup file of the mutation runs only (vitest.mutation.config.ts): one fast-check seed for every property, so
// each mutant is tried against the same generated cases.
import fc from 'fast-check';

fc.configureGlobal({ seed: 20_261_204 });
