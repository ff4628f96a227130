import sharp from 'sharp';

/** The image formats scbench decodes, as sharp's metadata names them. */
const FORMATS: ReadonlySet<string> = new Set(['jpeg', 'png']);

/** What a worker is asked: one encoded image, and the height x width to stretch it to (none: keep its size). */
export interface DecodeRequest {
  readonly id: number;
  readonly data: Uint8Array;
  readonly size?: readonly [number, number];
}

export type DecodeReply =
  | { readonly id: number; readonly pixels: Uint8Array; readonly width: number; readonly height: number }
  | { readonly id: number; readonly problem: string };

/**
 * Decodes one JPEG or PNG to 3-channel sRGB uint8 HWC pixels: grayscale and CMYK converted, alpha
 * dropped. With `size` it is stretched to exactly height x width with sharp's fit 'fill' (aspect
 * ratio not kept, nothing cropped, as Keras load_img(target_size=...) does; lanczos3 kernel).
 * Any other format, and any damage libjpeg or libpng reports, is a problem in words.
 */
export async function decodeImage(request: DecodeRequest): Promise<DecodeReply> {
  const { id, data, size } = request;
  try {
    let image = sharp(data, { failOn: 'error' });
    const { format } = await image.metadata();
    if (!FORMATS.has(format)) return { id, problem: `is ${format ? `a ${format} image` : 'not an image'}, not a JPEG or PNG` };
    if (size) image = image.resize(size[1], size[0], { fit: 'fill' });
    const { info, data: pixels } = await image.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) return { id, problem: `decodes to ${info.channels} channels, not 3` };
    return { id, pixels: new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.length), width: info.width, height: info.height };
  } catch (error) {
    return { id, problem: `is not a readable image: ${(error as Error).message.split('\n')[0]}` };
  }
}
