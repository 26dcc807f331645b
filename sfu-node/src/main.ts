import { loadConfigOrExit } from '@meetings/events';
import { loadSfuConfig } from './config.js';
import { createLogger } from './logger.js';
import { startSfu } from './service.js';

const config = loadConfigOrExit('sfu-node', loadSfuConfig);
const logger = createLogger(config.logLevel, config.mongo);
try {
  const sfu = await startSfu(config, logger);
  logger.info({ port: sfu.port, host: config.host, workers: config.workers }, 'sfu-node listening');
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
      sfu.close().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
} catch (error) {
  logger.fatal({ err: error }, 'sfu-node failed to start');
  process.exit(1);
}
