// A decoding thread of decode-pool.ts: decodes the images its parent sends, one reply each.
import { parentPort } from 'node:worker_threads';
import sharp from 'sharp';
import { decodeImage, type DecodeRequest } from './image-decode.ts';

// One libvips thread here: the pool runs one of these workers per core.
sharp.concurrency(1);

parentPort!.on('message', (request: DecodeRequest) => {
  void decodeImage(request).then((reply) => {
    if (!('pixels' in reply)) return parentPort!.postMessage(reply);
    // sharp's output buffer is external memory that cannot be transferred: copy it into one that can.
    const pixels = new Uint8Array(reply.pixels);
    parentPort!.postMessage({ ...reply, pixels }, [pixels.buffer]);
  });
});
