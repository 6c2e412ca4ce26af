// Timer: checks the effective routes of VERIFY_SAMPLE_SIZE workers (rotating) at a low frequency, NCRONTAB from
// the VERIFY_SCHEDULE app setting (default hourly). Does nothing while VERIFY_SAMPLE_SIZE is 0 (the default).
import { app } from '@azure/functions';
import { handlers } from './runtime.js';

app.timer('verifyOnSchedule', {
  schedule: '%VERIFY_SCHEDULE%',
  handler: handlers.verifyOnSchedule,
});
