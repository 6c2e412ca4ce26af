// Loaded into Stryker's type-checker processes (stryker.config.mjs, checkerNodeArgs). The project compiles with
// TypeScript 7, which ships no JavaScript compiler API (FIELD-NOTES §3); @stryker-mutator/typescript-checker
// imports 'typescript' and calls that API. Here its 'typescript' resolves to the devDependency alias
// typescript-for-stryker (TypeScript 6, the last release with the API), for this process only.
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    return nextResolve(specifier === 'typescript' ? 'typescript-for-stryker' : specifier, context);
  },
});
