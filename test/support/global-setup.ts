// Builds dist/ once before the suite: the CLI end-to-end tests spawn the real executable.
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
}
