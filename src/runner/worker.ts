// A worker process: initialises the engine once, then trains the cells its parent sends, one at a time.
import { initEngine, type BackendRequest, type EngineInfo } from '../engine/backend.ts';
import { runCell, type CellEvent, type CellJob, type CellRunSummary } from './cell.ts';

export type WorkerRequest = { type: 'init'; backend: BackendRequest; threads: number } | { type: 'run'; job: CellJob };
export type WorkerReply =
  | { type: 'ready'; engine: EngineInfo }
  | { type: 'event'; event: CellEvent }
  | { type: 'done'; result: CellRunSummary }
  | { type: 'error'; message: string };

const send = (reply: WorkerReply) => process.send!(reply);

// The parent is gone (killed, even with SIGKILL): stop rather than train on unsupervised.
process.on('disconnect', () => process.exit(0));

let engine: EngineInfo | undefined;
process.on('message', (request: WorkerRequest) => {
  handle(request).catch((error: Error) => send({ type: 'error', message: error.message }));
});

async function handle(request: WorkerRequest): Promise<void> {
  if (request.type === 'init') {
    engine = await initEngine(request.backend, undefined, request.threads);
    send({ type: 'ready', engine });
    return;
  }
  const result = await runCell(request.job, engine!, throttled((event) => send({ type: 'event', event })));
  send({ type: 'done', result });
}

/** Passes every epoch event on, but step events at most every 250 ms: progress needs no more. */
function throttled(forward: (event: CellEvent) => void): (event: CellEvent) => void {
  let last = 0;
  return (event) => {
    const now = Date.now();
    if (event.type === 'step' && now - last < 250) return;
    last = now;
    forward(event);
  };
}
