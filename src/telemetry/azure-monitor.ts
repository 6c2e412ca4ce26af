// Starts Azure Monitor OpenTelemetry once per process and hands out the providers it registered.
import { ManagedIdentityCredential } from '@azure/identity';
import type { AzureMonitorOpenTelemetryOptions } from '@azure/monitor-opentelemetry';
import { type MeterProvider, metrics, type TracerProvider, trace } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import {
  createReconcileTelemetry,
  noTelemetry,
  type ReconcileTelemetry,
  type TelemetryProviders,
} from './record.js';

type ExporterOptions = NonNullable<AzureMonitorOpenTelemetryOptions['azureMonitorExporterOptions']>;

type TelemetryMode =
  | { kind: 'off'; reason: string }
  | { kind: 'connection-string'; connectionString: string }
  /** Microsoft Entra (managed identity) authentication: local auth can be off on the Application Insights resource. */
  | { kind: 'managed-identity'; connectionString: string; clientId: string | undefined };

const value = (env: Record<string, string | undefined>, key: string): string | undefined => {
  const trimmed = env[key]?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
};

/**
 * APPLICATIONINSIGHTS_CONNECTION_STRING says where telemetry goes. With APPLICATIONINSIGHTS_AUTHENTICATION_STRING
 * `Authorization=AAD` (the setting the Functions host uses too) it is sent with a managed identity token: the
 * user-assigned identity `ClientId=<id>` of that string, else AZURE_CLIENT_ID, else the system-assigned identity.
 */
export function telemetryModeFrom(env: Record<string, string | undefined>): TelemetryMode {
  const connectionString = value(env, 'APPLICATIONINSIGHTS_CONNECTION_STRING');
  const authentication = value(env, 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING');
  if (connectionString === undefined) {
    return {
      kind: 'off',
      reason:
        authentication === undefined
          ? 'APPLICATIONINSIGHTS_CONNECTION_STRING is not set'
          : 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING is set but APPLICATIONINSIGHTS_CONNECTION_STRING is not (Entra authentication still needs the connection string)',
    };
  }
  if (authentication === undefined) return { kind: 'connection-string', connectionString };
  const parts = new Map(
    authentication.split(';').map((part) => {
      const [k = '', ...rest] = part.split('=');
      return [k.trim().toLowerCase(), rest.join('=').trim()] as const;
    }),
  );
  if (parts.get('authorization')?.toLowerCase() !== 'aad')
    return { kind: 'connection-string', connectionString };
  const clientId = parts.get('clientid') || value(env, 'AZURE_CLIENT_ID');
  return { kind: 'managed-identity', connectionString, clientId };
}

interface StartTelemetryOptions {
  /** Merged into azureMonitorExporterOptions (tests: `tlsOptions: { ca }` for a local ingestion endpoint). */
  exporterOptions?: Partial<ExporterOptions>;
  /** Extra processors next to Azure Monitor's own (tests capture what the SDK produces). */
  spanProcessors?: AzureMonitorOpenTelemetryOptions['spanProcessors'];
  logRecordProcessors?: AzureMonitorOpenTelemetryOptions['logRecordProcessors'];
  /** Where the "telemetry is off" warning goes; console.warn by default. */
  warn?: (message: string) => void;
}

export interface StartedTelemetry {
  mode: TelemetryMode;
  telemetry: ReconcileTelemetry;
}

/**
 * useAzureMonitor() then the instruments, in that order. Sampling keeps every span (one run every few minutes is
 * cheap; a dropped span would hide a run). Live metrics are on only with APPLICATIONINSIGHTS_LIVE_METRICS=true.
 * @azure/monitor-opentelemetry is loaded only when telemetry is on: it is half of the function bundle and about
 * 0.3 s of every cold start (measured by `npm run bench`).
 */
export async function startTelemetry(
  env: Record<string, string | undefined>,
  options: StartTelemetryOptions = {},
): Promise<StartedTelemetry> {
  const mode = telemetryModeFrom(env);
  if (mode.kind === 'off') {
    (options.warn ?? console.warn)(
      `pod-route-reconciler: telemetry is off (${mode.reason}); runs, metrics and health records are only logged`,
    );
    return { mode, telemetry: noTelemetry };
  }
  const exporterOptions: ExporterOptions = {
    connectionString: mode.connectionString,
    ...(mode.kind === 'managed-identity'
      ? {
          credential:
            mode.clientId === undefined
              ? new ManagedIdentityCredential()
              : new ManagedIdentityCredential({ clientId: mode.clientId }),
        }
      : {}),
    ...options.exporterOptions,
  };
  const { useAzureMonitor } = await import('@azure/monitor-opentelemetry');
  useAzureMonitor({
    azureMonitorExporterOptions: exporterOptions,
    samplingRatio: 1,
    tracesPerSecond: 0,
    enableLiveMetrics: value(env, 'APPLICATIONINSIGHTS_LIVE_METRICS')?.toLowerCase() === 'true',
    ...(options.spanProcessors !== undefined ? { spanProcessors: options.spanProcessors } : {}),
    ...(options.logRecordProcessors !== undefined
      ? { logRecordProcessors: options.logRecordProcessors }
      : {}),
  });
  return { mode, telemetry: createReconcileTelemetry(registeredProviders()) };
}

const OTEL_API_GLOBAL = Symbol.for('opentelemetry.js.api.1');

/**
 * The providers useAzureMonitor() just registered. package.json pins @opentelemetry/api to the minor that
 * @azure/monitor-opentelemetry 1.21 uses (1.9), so both share one copy and the getters below see them.
 * Measured when they did not (our 1.10 next to its 1.9.1): the newer API refuses a global registered by an
 * older minor (its semver check), `metrics.getMeterProvider()` returns a no-op and every instrument silently
 * records nothing. So, should a future upgrade split the copies again, the registration is read from the
 * well-known global symbol the API copies share; test/telemetry/azure-monitor.test.ts fails if neither works.
 */
export function registeredProviders(): TelemetryProviders {
  const registry = Reflect.get(globalThis, OTEL_API_GLOBAL) as
    | { metrics?: unknown; trace?: unknown }
    | undefined;
  const apiMeter = metrics.getMeterProvider();
  const apiTracer = trace.getTracerProvider();
  const meterProvider = isSdkProvider(apiMeter) ? apiMeter : (registry?.metrics as MeterProvider | undefined);
  const tracerProvider = isSdkProvider(apiTracer)
    ? apiTracer
    : (registry?.trace as TracerProvider | undefined);
  return {
    meterProvider: meterProvider ?? apiMeter,
    tracerProvider: tracerProvider ?? apiTracer,
    loggerProvider: logs.getLoggerProvider(),
  };
}

function isSdkProvider(provider: unknown): boolean {
  const candidate = provider as { forceFlush?: unknown; getDelegate?: () => unknown };
  if (typeof candidate.forceFlush === 'function') return true;
  const delegate =
    typeof candidate.getDelegate === 'function'
      ? (candidate.getDelegate() as { forceFlush?: unknown })
      : undefined;
  return typeof delegate?.forceFlush === 'function';
}
