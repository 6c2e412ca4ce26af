// HTTP GET /api/driftReport (function key): the current plan as JSON, never a write. Health probe and an
// operator's quick look: 200 in sync or drifted (drift listed), 503 when the run failed, 500 when misconfigured.
import { app } from '@azure/functions';
import { handlers } from './runtime.js';

app.http('driftReport', {
  methods: ['GET'],
  authLevel: 'function',
  handler: handlers.driftReport,
});
