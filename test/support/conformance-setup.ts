// Global setup of `npm run test:conformance`: fails the whole run up front, naming every missing reference file
// and where Azure publishes it, rather than letting suites skip or fail one by one on a missing folder.
import { missingReferenceFiles, missingReferenceMessage } from './reference.js';

export default function setup(): void {
  const missing = missingReferenceFiles();
  if (missing.length > 0) throw new Error(missingReferenceMessage(missing));
}
