// `npm run bench -- planner [--quick]`: the planner alone (bench/planner-bench.ts) and its target, without the
// rest of the bench: a figure that can be re-measured in a minute when the machine is quiet. Writes nothing.

import { plannerAlone } from './planner-bench.js';
import { judgeTarget, type Measurements } from './targets.js';

async function main(): Promise<void> {
  const planner = await plannerAlone(process.argv.includes('--quick'));
  const target = judgeTarget('planner-1k', { planner } as Measurements);
  process.stdout.write(`${target?.pass ? 'PASS' : 'MISS'} ${target?.target}: ${target?.measured}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`planner bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
