import { z } from 'zod';

/** `KAFKA_BROKERS`: a comma-separated host:port list. */
export const KafkaBrokers = z
  .string()
  .min(1)
  .transform((s) => s.split(',').map((b) => b.trim()))
  .pipe(z.array(z.string().regex(/^[^\s:]+:\d+$/, 'host:port')).min(1));
