import { describe, expect, it, vi } from 'vitest';
import { startTelemetry, telemetryModeFrom } from '../../src/telemetry/azure-monitor.js';
import { noTelemetry } from '../../src/telemetry/record.js';

const CS =
  'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://eastus2-3.in.applicationinsights.azure.com/';

describe('telemetryModeFrom', () => {
  it('off when nothing is configured', () => {
    expect(telemetryModeFrom({})).toMatchObject({ kind: 'off' });
    expect(telemetryModeFrom({ APPLICATIONINSIGHTS_CONNECTION_STRING: '  ' })).toMatchObject({ kind: 'off' });
  });

  it('off, saying why, when only the authentication string is set', () => {
    const mode = telemetryModeFrom({ APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD' });
    expect(mode).toMatchObject({ kind: 'off' });
    expect(mode.kind === 'off' && mode.reason).toContain('APPLICATIONINSIGHTS_CONNECTION_STRING');
  });

  it('connection string alone', () => {
    expect(telemetryModeFrom({ APPLICATIONINSIGHTS_CONNECTION_STRING: CS })).toEqual({
      kind: 'connection-string',
      connectionString: CS,
    });
  });

  it('managed identity: the ClientId of the authentication string wins over AZURE_CLIENT_ID', () => {
    expect(
      telemetryModeFrom({
        APPLICATIONINSIGHTS_CONNECTION_STRING: CS,
        APPLICATIONINSIGHTS_AUTHENTICATION_STRING:
          'Authorization=AAD;ClientId=11111111-1111-1111-1111-111111111111',
        AZURE_CLIENT_ID: '22222222-2222-2222-2222-222222222222',
      }),
    ).toEqual({
      kind: 'managed-identity',
      connectionString: CS,
      clientId: '11111111-1111-1111-1111-111111111111',
    });
  });

  it('managed identity: AZURE_CLIENT_ID, else the system-assigned identity', () => {
    const env = {
      APPLICATIONINSIGHTS_CONNECTION_STRING: CS,
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD',
    };
    expect(
      telemetryModeFrom({ ...env, AZURE_CLIENT_ID: '22222222-2222-2222-2222-222222222222' }),
    ).toMatchObject({
      kind: 'managed-identity',
      clientId: '22222222-2222-2222-2222-222222222222',
    });
    expect(telemetryModeFrom(env)).toMatchObject({ kind: 'managed-identity', clientId: undefined });
  });
});

describe('startTelemetry without a connection string', () => {
  it('starts nothing and warns exactly once', async () => {
    const warn = vi.fn();
    const started = await startTelemetry({}, { warn });
    expect(started.telemetry).toBe(noTelemetry);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toContain('telemetry is off');
  });
});
