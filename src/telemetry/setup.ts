// Side-effect module: the Functions entry imports it before anything else, so Azure Monitor is started before
// any instrument, HTTP client or Azure SDK client exists (instruments created earlier never record).
import { startTelemetry } from './azure-monitor.js';

export const { telemetry } = await startTelemetry(process.env);
