import { app } from '@azure/functions';
import { shutDown } from './shutdown.js';

// Graceful shutdown of the host (scale-in, deployment, restart): runs in flight stop waiting and end Failed;
// the timer (or the next event, elsewhere) repeats them.
app.hook.appTerminate(() => shutDown('the Functions host is shutting down'));
