// Azure Functions entry (package.json "main" -> dist/functions/index.js, bundled by scripts/build.mjs).
// Telemetry first: Azure Monitor must be started before any instrument or client exists.
import './telemetry/setup.js';
import './functions/reconcileOnSchedule.js';
import './functions/reconcileOnResourceChange.js';
import './functions/driftReport.js';
import './functions/verifyOnSchedule.js';
import './functions/appTerminate.js';
