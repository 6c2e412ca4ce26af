// In-memory providers for record.ts. Metrics use the real SDK (@opentelemetry/sdk-metrics, a devDependency).
// @opentelemetry/sdk-trace-base and sdk-logs are not top-level dependencies (only nested under
// @azure/monitor-opentelemetry), so spans and log records are captured by these small recorders that implement
// the API interfaces; the real SDK path for both is exercised in azure-monitor.test.ts.
import {
  type Attributes,
  type AttributeValue,
  type Context,
  type Span,
  type SpanContext,
  type SpanOptions,
  type SpanStatus,
  SpanStatusCode,
  type TimeInput,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import type { Logger, LoggerProvider, LogRecord } from '@opentelemetry/api-logs';
import {
  AggregationTemporality,
  type DataPoint,
  MeterProvider,
  MetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';

export interface RecordedSpan {
  name: string;
  attributes: Attributes;
  status: SpanStatus;
  startTime: TimeInput | undefined;
  endTime: TimeInput | undefined;
  ended: boolean;
  exceptions: unknown[];
}

class RecordingSpan implements Span {
  constructor(readonly record: RecordedSpan) {}
  spanContext(): SpanContext {
    return { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 };
  }
  setAttribute(key: string, value: AttributeValue): this {
    this.record.attributes[key] = value;
    return this;
  }
  setAttributes(attributes: Attributes): this {
    Object.assign(this.record.attributes, attributes);
    return this;
  }
  addEvent(): this {
    return this;
  }
  addLink(): this {
    return this;
  }
  addLinks(): this {
    return this;
  }
  setStatus(status: SpanStatus): this {
    this.record.status = status;
    return this;
  }
  updateName(name: string): this {
    this.record.name = name;
    return this;
  }
  end(endTime?: TimeInput): void {
    this.record.ended = true;
    this.record.endTime = endTime;
  }
  isRecording(): boolean {
    return !this.record.ended;
  }
  recordException(exception: unknown): void {
    this.record.exceptions.push(exception);
  }
}

export class RecordingTracerProvider implements TracerProvider {
  readonly spans: RecordedSpan[] = [];
  getTracer(): Tracer {
    const start = (name: string, options: SpanOptions = {}): RecordingSpan => {
      const record: RecordedSpan = {
        name,
        attributes: { ...options.attributes },
        status: { code: SpanStatusCode.UNSET },
        startTime: options.startTime,
        endTime: undefined,
        ended: false,
        exceptions: [],
      };
      this.spans.push(record);
      return new RecordingSpan(record);
    };
    return {
      startSpan: (name: string, options?: SpanOptions, _context?: Context) => start(name, options),
      startActiveSpan: ((name: string, ...rest: unknown[]) => {
        const fn = rest[rest.length - 1] as (span: Span) => unknown;
        const options = rest.length > 1 ? (rest[0] as SpanOptions) : undefined;
        return fn(start(name, options));
      }) as Tracer['startActiveSpan'],
    };
  }
}

export class RecordingLoggerProvider implements LoggerProvider {
  readonly records: LogRecord[] = [];
  getLogger(): Logger {
    return {
      emit: (record: LogRecord) => {
        this.records.push(record);
      },
    } as Logger;
  }
}

class CollectingReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

export interface MetricPoint {
  name: string;
  unit: string;
  attributes: Attributes;
  value: number;
}

/** A real SDK MeterProvider with a reader that is collected on demand (cumulative points). */
export function inMemoryMeter(): { meterProvider: MeterProvider; collect(): Promise<MetricPoint[]> } {
  const reader = new CollectingReader({
    aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    meterProvider,
    async collect() {
      const { resourceMetrics } = await reader.collect();
      return flatten(resourceMetrics);
    },
  };
}

function flatten(resourceMetrics: ResourceMetrics): MetricPoint[] {
  const points: MetricPoint[] = [];
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      for (const point of metric.dataPoints as DataPoint<unknown>[]) {
        const v = point.value as number | { sum: number; count: number };
        points.push({
          name: metric.descriptor.name,
          unit: metric.descriptor.unit,
          attributes: point.attributes,
          // histograms: the sum of the recorded values
          value: typeof v === 'number' ? v : v.sum,
        });
      }
    }
  }
  return points;
}

export function pointsNamed(points: MetricPoint[], name: string): MetricPoint[] {
  return points.filter((p) => p.name === name);
}
