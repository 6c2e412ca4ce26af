// Event Grid (resource-group system topic): immediate repair when a VM, a NIC, the route table, a route, the
// vnet/subnet or their tags change. The event is only a hint; the reconcile re-reads ARM.
import { app } from '@azure/functions';
import { handlers } from './runtime.js';

app.eventGrid<unknown>('reconcileOnResourceChange', {
  handler: handlers.reconcileOnResourceChange,
});
