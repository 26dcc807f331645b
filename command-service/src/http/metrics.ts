import type { ServerResponse } from 'node:http';
import type { Request, RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CounterConfiguration, GaugeConfiguration, HistogramConfiguration } from 'prom-client';

/**
 * The Prometheus metrics every service exposes on GET /metrics: one registry per service (not
 * prom-client's global one, so two services in one test process do not mix), labelled with the
 * service's name, with the default process metrics. Labels are bounded by construction: route
 * templates, operation ids, rule names, projection names; never ids, emails or raw URLs.
 */
export function createMetrics(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** Latency buckets of requests and appends, in seconds (1 ms … 10 s). */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/*
 * Get-or-create: a metric is registered once per registry, however many components (two event
 * stores, several runners) ask for it.
 */
export function counter<L extends string>(registry: Registry, config: CounterConfiguration<L>): Counter<L> {
  return (
    (registry.getSingleMetric(config.name) as Counter<L> | undefined) ??
    new Counter({ ...config, registers: [registry] })
  );
}

export function gauge<L extends string>(registry: Registry, config: GaugeConfiguration<L>): Gauge<L> {
  return (
    (registry.getSingleMetric(config.name) as Gauge<L> | undefined) ??
    new Gauge({ ...config, registers: [registry] })
  );
}

export function histogram<L extends string>(
  registry: Registry,
  config: HistogramConfiguration<L>,
): Histogram<L> {
  return (
    (registry.getSingleMetric(config.name) as Histogram<L> | undefined) ??
    new Histogram({ ...config, registers: [registry] })
  );
}

/** Writes the registry in the Prometheus text format (any HTTP server: express or node's own). */
export async function writeMetrics(registry: Registry, res: ServerResponse): Promise<void> {
  const text = await registry.metrics();
  res.writeHead(200, { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' }).end(text);
}

/** GET /metrics of an express app. */
export function metricsRoute(registry: Registry): RequestHandler {
  return (_req, res, next) => {
    writeMetrics(registry, res).catch(next);
  };
}

/** The route template a request matched (`/meetings/:meetingId`), or `unmatched`: never the raw URL. */
function routeOf(req: Request): string {
  // express types `req.route` as any; only a string path is a template.
  const route = (req as { route?: unknown }).route as { path?: unknown } | undefined;
  const path = route?.path;
  return typeof path === 'string' ? `${req.baseUrl}${path}` : 'unmatched';
}

/**
 * Counts and times every request by method, route template and status once its answer is sent
 * (errors are the 4xx and 5xx statuses). Mount it first: it sees every request, 404s included.
 */
export function httpMetrics(registry: Registry): RequestHandler {
  const requests = counter(registry, {
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
  });
  const duration = histogram(registry, {
    name: 'http_request_duration_seconds',
    help: 'Time from a request to the end of its answer, by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: LATENCY_BUCKETS,
  });
  return (req, res, next) => {
    const end = duration.startTimer();
    res.once('finish', () => {
      const labels = { method: req.method, route: routeOf(req), status: String(res.statusCode) };
      requests.inc(labels);
      end(labels);
    });
    next();
  };
}

/** The WebSocket servers of each registry, each with its count of open connections. */
const socketServers = new WeakMap<Registry, Map<string, () => number>>();

/** `websocket_connections{server}`: the open connections of a WebSocket server, read when scraped. */
export function websocketGauge(registry: Registry, server: string, open: () => number): void {
  let servers = socketServers.get(registry);
  if (!servers) {
    const counted = new Map<string, () => number>();
    servers = counted;
    socketServers.set(registry, counted);
    gauge(registry, {
      name: 'websocket_connections',
      help: 'WebSocket connections open now, by server',
      labelNames: ['server'] as const,
      collect() {
        for (const [name, count] of counted) this.set({ server: name }, count());
      },
    });
  }
  servers.set(server, open);
}

export type { Registry };
