// Timer: catches every kind of drift, whatever Event Grid missed. NCRONTAB (with seconds, UTC) from the
// RECONCILE_SCHEDULE app setting; every 5 minutes in local.settings.sample.json.
import { app } from '@azure/functions';
import { handlers } from './runtime.js';

app.timer('reconcileOnSchedule', {
  schedule: '%RECONCILE_SCHEDULE%',
  handler: handlers.reconcileOnSchedule,
});
