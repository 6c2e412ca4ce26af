// The one esbuild banner of every ESM bundle we build (the Functions app and the CLI in scripts/build.mjs, the
// bench and its children in bench/launch.mjs, the cold-start variants in bench/cold-start.ts): bundled CommonJS
// dependencies call require(), which an ES module does not have, so the bundle defines it first.
export const CREATE_REQUIRE_BANNER =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";
