import { logLevel } from 'kafkajs';
import type { logCreator } from 'kafkajs';
import type { Logger } from 'pino';

/**
 * kafkajs logs through the service's pino logger (structured, on stdout) instead of the console.
 * Its ERROR entries include what a rebalance normally causes (an offset commit refused while the
 * group rejoins), which the consumer recovers from by itself: they are logged as warnings.
 */
export function kafkaLogCreator(logger: Logger): logCreator {
  const kafka = logger.child({ component: 'kafkajs' });
  return () =>
    ({ namespace, level, log }) => {
      const { message, ...fields } = log;
      const entry = { namespace, ...fields };
      if (level === logLevel.ERROR || level === logLevel.WARN) kafka.warn(entry, message);
      else if (level === logLevel.INFO) kafka.info(entry, message);
      else kafka.debug(entry, message);
    };
}
