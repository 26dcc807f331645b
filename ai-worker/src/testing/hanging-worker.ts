// A worker process whose speaking_time analysis never returns: the kill test starts it, waits
// until it has started the task, and SIGKILLs it mid-attempt. Settings come from the environment.
import { loadConfig } from '../config.js';
import { startAiWorker } from '../service.js';
import { silent } from './harness.js';

await startAiWorker(loadConfig(), silent, {
  workerId: `hanging-${process.pid}`,
  analyses: [{ type: 'speaking_time', run: () => new Promise(() => undefined) }],
});
process.stdout.write('ready\n');
