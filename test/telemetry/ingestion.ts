// A local Application Insights ingestion endpoint: HTTPS on 127.0.0.1 with a self-signed certificate (the
// emulator's helper), accepting what the Azure Monitor exporter POSTs to /v2.1/track (JSON array or NDJSON,
// gzip or not) and keeping every envelope.
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { makeSelfSignedCertificate } from '../../src/emulator/tls.js';

export interface Envelope {
  name: string;
  iKey?: string;
  data?: { baseType?: string; baseData?: Record<string, unknown> };
}

export interface IngestionEndpoint {
  /** For APPLICATIONINSIGHTS_CONNECTION_STRING. */
  connectionString: string;
  /** PEM certificate to trust. */
  cert: string;
  envelopes: Envelope[];
  /** Request paths, in order. */
  paths: string[];
  stop(): Promise<void>;
}

export async function startIngestionEndpoint(): Promise<IngestionEndpoint> {
  const tls = makeSelfSignedCertificate();
  const envelopes: Envelope[] = [];
  const paths: string[] = [];
  const server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      paths.push(req.url ?? '');
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      const text = body.toString('utf8').trim();
      const items = (
        text.startsWith('[') ? JSON.parse(text) : text.split('\n').map((l) => JSON.parse(l))
      ) as Envelope[];
      envelopes.push(...items);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ itemsReceived: items.length, itemsAccepted: items.length, errors: [] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    connectionString: `InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://127.0.0.1:${port}/`,
    cert: tls.cert,
    envelopes,
    paths,
    async stop() {
      await new Promise((resolve) => server.close(resolve));
      tls.dispose();
    },
  };
}

/** Waits until `check` holds (telemetry arrives asynchronously). */
export async function until(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for telemetry');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Names of the metrics in the MetricData envelopes received. */
export function metricNames(envelopes: Envelope[]): Set<string> {
  return new Set(
    envelopes
      .filter((e) => e.data?.baseType === 'MetricData')
      .flatMap((e) => (e.data?.baseData?.metrics as Array<{ name: string }> | undefined) ?? [])
      .map((m) => m.name),
  );
}

/** Each data point of that metric with its dimensions. */
export function metricPoints(envelopes: Envelope[], name: string): Array<Record<string, unknown>> {
  return envelopes
    .filter((e) => e.data?.baseType === 'MetricData')
    .flatMap((e) => {
      const data = e.data?.baseData as {
        metrics: Array<{ name: string; value: number }>;
        properties?: Record<string, string>;
      };
      return data.metrics.filter((m) => m.name === name).map((m) => ({ ...data.properties, value: m.value }));
    });
}
