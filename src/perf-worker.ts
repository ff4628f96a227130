// A perf worker process: measures one network's training speed, starting its timed iterations when told.
import { measureThroughput, type PerfWorkerReply, type PerfWorkerRequest } from './perf.ts';

const send = (reply: PerfWorkerReply) => process.send!(reply);

process.on('disconnect', () => process.exit(0));

let go: (() => void) | undefined;
const started = new Promise<void>((resolve) => (go = resolve));

process.on('message', (request: PerfWorkerRequest) => {
  if (request.type === 'go') {
    go!();
    return;
  }
  const beforeTimed = () => {
    send({ type: 'warm' });
    return started;
  };
  measureThroughput({ ...request.options, beforeTimed }).then(
    (result) => send({ type: 'done', result }),
    (error: Error) => send({ type: 'error', message: error.message }),
  );
});
