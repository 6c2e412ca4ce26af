// The pod-routes executable (package.json "bin"); the program itself is in program.ts.
import { main } from './program.js';

await main(process.argv);
