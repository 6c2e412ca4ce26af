// Event Grid's delayed delivery ("Event Grid message delivery and retry", Delayed delivery): after the first 10
// failed deliveries to an endpoint, Event Grid holds every retry and every new delivery to it for a while. The
// delivery model on its own, over real HTTP to a local endpoint, with Event Grid's delays scaled by 0.001
// (10 s of the retry schedule become 10 ms, the first delay of 5 minutes 300 ms).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_DELIVERY, Delivery, type DeliveryTarget } from '../../src/emulator/eventgrid/delivery.js';

const TIME_SCALE = 0.001;
const FIRST_DELAY_MS = 5 * 60_000 * TIME_SCALE;
// Event Grid's 30 s answer timeout would be 30 ms here, too short for a busy machine: 1 s instead.
const SETTINGS = { ...DEFAULT_DELIVERY, timeScale: TIME_SCALE, timeoutMs: 1_000 / TIME_SCALE };

interface Endpoint {
  url: string;
  /** Arrival times (performance.now()) of the POSTs, with the event id each carried. */
  received: Array<{ at: number; id: string }>;
  healthy: boolean;
  server: Server;
}

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    s.close();
  }
});

/** A function endpoint that answers 500 while unhealthy, 200 once healthy. */
async function endpoint(): Promise<Endpoint> {
  const e = { received: [], healthy: false } as unknown as Endpoint;
  e.server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => {
      text += c.toString();
    });
    req.on('end', () => {
      e.received.push({ at: performance.now(), id: (JSON.parse(text) as Array<{ id: string }>)[0]!.id });
      res.writeHead(e.healthy ? 200 : 500).end();
    });
  });
  servers.push(e.server);
  await new Promise<void>((r) => e.server.listen(0, '127.0.0.1', () => r()));
  e.url = `http://127.0.0.1:${(e.server.address() as AddressInfo).port}/runtime/webhooks/EventGrid`;
  return e;
}

const target = (e: Endpoint): DeliveryTarget => ({
  subscription:
    '/subscriptions/s/resourceGroups/kubernetes/providers/Microsoft.EventGrid/systemTopics/t/eventSubscriptions/f',
  endpointType: 'AzureFunction',
  url: () => e.url,
  schema: 'EventGridSchema',
  maxDeliveryAttempts: 30,
  eventTimeToLiveInMinutes: 1440,
  deadLetter: false,
});

let n = 0;
const event = () => ({
  id: `event-${++n}`,
  eventType: 'Microsoft.Resources.ResourceDeleteSuccess',
  subject: `/subscriptions/s/resourceGroups/kubernetes/providers/Microsoft.Network/routeTables/t/routes/r${n}`,
  eventTime: new Date().toISOString(),
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Enqueues `count` events and waits until each first attempt has failed. */
async function failFirstAttempts(delivery: Delivery, e: Endpoint, count: number): Promise<void> {
  for (let i = 0; i < count; i++) delivery.enqueue(target(e), event());
  await delivery.flushInFlight();
  expect(delivery.stats().failures).toBeGreaterThanOrEqual(count);
}

describe('Event Grid delayed delivery', () => {
  it('after 10 failed deliveries in a row, a new event to the recovered endpoint waits for the delay to end', async () => {
    const delivery = new Delivery(SETTINGS);
    const fn = await endpoint();
    const delayStarted = performance.now();
    await failFirstAttempts(delivery, fn, 10);
    fn.healthy = true;
    const late = event();
    delivery.enqueue(target(fn), late);
    const enqueued = performance.now();
    await sleep(FIRST_DELAY_MS / 2);
    // Held: the new event did not go out, nor did the retries of the failed ones.
    const before = fn.received.length;
    expect(fn.received.map((r) => r.id)).not.toContain(late.id);
    await sleep(FIRST_DELAY_MS / 4);
    expect(fn.received).toHaveLength(before);
    await delivery.settled();
    const delivered = fn.received.find((r) => r.id === late.id)!;
    expect(delivered.at - enqueued).toBeGreaterThanOrEqual(FIRST_DELAY_MS / 2);
    expect(delivered.at - delayStarted).toBeGreaterThanOrEqual(FIRST_DELAY_MS - 20);
    expect(delivery.records.find((r) => r.eventId === late.id)).toMatchObject({
      held: 1,
      state: 'delivered',
    });
    expect(delivery.stats()).toMatchObject({ delivered: 11, pending: 0 });

    // A success ended the delay: the next event goes out at once.
    const next = event();
    const sent = performance.now();
    delivery.enqueue(target(fn), next);
    await delivery.settled();
    expect(fn.received.find((r) => r.id === next.id)!.at - sent).toBeLessThan(FIRST_DELAY_MS / 2);
    delivery.reset();
  });

  it('9 failures in a row do not delay the endpoint', async () => {
    // Unscaled: the first retries come 10 s later, long after the endpoint has recovered.
    const delivery = new Delivery(DEFAULT_DELIVERY);
    const fn = await endpoint();
    await failFirstAttempts(delivery, fn, 9);
    fn.healthy = true;
    const next = event();
    delivery.enqueue(target(fn), next);
    await vi.waitFor(() => expect(fn.received.map((r) => r.id)).toContain(next.id), { timeout: 2_000 });
    expect(delivery.stats()).toMatchObject({ held: 0, failures: 9 });
    delivery.reset();
  });

  it('an endpoint still failing when a delay ends is delayed again, for the next, longer step', async () => {
    const delivery = new Delivery({ ...DEFAULT_DELIVERY, timeScale: 1, delayStepsMs: [300, 900] });
    const fn = await endpoint();
    const started = performance.now();
    await failFirstAttempts(delivery, fn, 10);
    // The retries (10 s at scale 1) come after the first delay has ended; they fail; the second delay holds them.
    fn.healthy = false;
    await sleep(300 + 100);
    const probe = event();
    delivery.enqueue(target(fn), probe);
    await sleep(50);
    expect(fn.received.some((r) => r.id === probe.id)).toBe(true); // the first delay has ended
    fn.healthy = true;
    const held = event();
    delivery.enqueue(target(fn), held);
    await sleep(300);
    expect(fn.received.some((r) => r.id === held.id)).toBe(false); // the probe's failure started the second delay
    await sleep(900);
    expect(fn.received.some((r) => r.id === held.id)).toBe(true);
    expect(performance.now() - started).toBeGreaterThan(300 + 900);
    delivery.reset();
  });
});
