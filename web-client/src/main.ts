import { loadConfigOrExit } from '@meetings/events';
import { loadWebClientConfig } from './config.js';
import { createLogger } from './logger.js';
import { startWebClient } from './server/web-server.js';

const config = loadConfigOrExit('web-client', loadWebClientConfig);
const logger = createLogger(config.logLevel);
try {
  const web = await startWebClient(config, logger);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
      web.close().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
} catch (error) {
  logger.fatal({ err: error }, 'web-client failed to start');
  process.exit(1);
}
