import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { loadConfigOrExit } from '@meetings/events';
import { pino } from 'pino';
import { loadConfig } from './config.js';
import { startAiWorker } from './service.js';

const config = loadConfigOrExit('ai-worker', loadConfig);
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const workerId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
const logger = pino({ level: config.LOG_LEVEL, base: { service: 'ai-worker', workerId } });
const worker = await startAiWorker(config, logger, { workerId });

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'shutting down: finishing the task in hand');
    worker.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
