import sharp from 'sharp';
import { UserError } from '../src/errors.ts';

/** JPEG decodes kept in flight at once: libvips runs each on its own thread. */
const DECODES_IN_FLIGHT = 4;

/**
 * Decodes one JPEG to 3-channel sRGB uint8 HWC pixels (grayscale and CMYK converted, alpha dropped)
 * and writes them to `target`. With `resize` 'fill' it is stretched to exactly height x width;
 * without, its size must already be height x width.
 */
export async function decodeJpegInto(
  jpeg: Buffer,
  shape: readonly [number, number, number],
  target: Uint8Array,
  options: { member: string; resize?: 'fill' },
): Promise<void> {
  const [height, width] = shape;
  let image = sharp(jpeg, { failOn: 'error' });
  if (options.resize) image = image.resize(width, height, { fit: options.resize });
  const { info, data } = await image
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true })
    .catch((error: Error) => {
      throw new UserError(`cannot decode the JPEG ${options.member}: ${error.message}`);
    });
  if (info.width !== width || info.height !== height || info.channels !== 3) {
    throw new UserError(`${options.member} decodes to ${info.width}x${info.height}x${info.channels}, expected ${width}x${height}x3`);
  }
  target.set(data);
}

/** Runs task(0..count-1) with a few in flight at a time; rejects with the first failure. */
export async function forEachInFlight(count: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(DECODES_IN_FLIGHT, count) }, worker));
}
