import type { Augmentation } from './dataset.ts';

/*
 * The paper's augmentations, each an in-place change of one uint8 HWC image drawn from the batch's
 * seeded stream. Each draws a fixed count of numbers from `random` whatever it decides, so one
 * image's outcome never shifts the draws of the next.
 */

/** A copy of the image in a buffer that one augmentation reuses from image to image. */
function scratchCopier(): (image: Uint8Array) => Uint8Array {
  let scratch = new Uint8Array(0);
  return (image) => {
    if (scratch.length < image.length) scratch = new Uint8Array(image.length);
    scratch.set(image);
    return scratch;
  };
}

/**
 * Shifts the image sideways by dx pixels, uniform over the integers -maxShift..maxShift, the columns
 * that come into view repeating the edge column: Keras's width_shift_range with its default
 * fill_mode 'nearest', in whole pixels.
 */
export function randomWidthShift(maxShift: number): Augmentation {
  const copy = scratchCopier();
  return (image, [height, width, channels], random) => {
    const dx = Math.floor(random() * (2 * maxShift + 1)) - maxShift;
    if (dx === 0) return;
    const source = copy(image);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const from = (y * width + Math.min(width - 1, Math.max(0, x + dx))) * channels;
        image.set(source.subarray(from, from + channels), (y * width + x) * channels);
      }
    }
  };
}

/** Mirrors the image left-right with probability p. */
export function horizontalFlip(p = 0.5): Augmentation {
  return (image, [height, width, channels], random) => {
    if (random() >= p) return;
    for (let y = 0; y < height; y++) {
      const row = y * width * channels;
      for (let left = 0, right = width - 1; left < right; left++, right--) {
        for (let c = 0; c < channels; c++) {
          const a = row + left * channels + c;
          const b = row + right * channels + c;
          const swap = image[a];
          image[a] = image[b];
          image[b] = swap;
        }
      }
    }
  };
}

/**
 * Rotates the image about its centre by an angle uniform in [-maxDegrees, maxDegrees], sampling the
 * source pixel nearest to each output pixel; pixels whose source falls outside the image are zero.
 * A positive angle turns the content clockwise as the image is displayed (rows downwards).
 */
export function randomRotation(maxDegrees: number): Augmentation {
  const copy = scratchCopier();
  return (image, [height, width, channels], random) => {
    const angle = ((2 * random() - 1) * maxDegrees * Math.PI) / 180;
    if (angle === 0) return;
    const source = copy(image);
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    const cy = (height - 1) / 2;
    const cx = (width - 1) / 2;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const sx = Math.round(cx + cos * (x - cx) + sin * (y - cy));
        const sy = Math.round(cy - sin * (x - cx) + cos * (y - cy));
        const out = (y * width + x) * channels;
        if (sx < 0 || sx >= width || sy < 0 || sy >= height) {
          image.fill(0, out, out + channels);
        } else {
          const from = (sy * width + sx) * channels;
          for (let c = 0; c < channels; c++) image[out + c] = source[from + c];
        }
      }
    }
  };
}

/** An augmentation as a data set's descriptor declares it (src/data/datasets.ts). */
export type AugmentationSpec =
  | { readonly kind: 'width-shift'; readonly maxPixels: number }
  | { readonly kind: 'flip'; readonly p: number }
  | { readonly kind: 'rotation'; readonly maxDegrees: number };

/** The augmentations a list of specs declares, in order. */
export function buildAugmentations(specs: readonly AugmentationSpec[]): Augmentation[] {
  return specs.map((spec) => {
    switch (spec.kind) {
      case 'width-shift':
        return randomWidthShift(spec.maxPixels);
      case 'flip':
        return horizontalFlip(spec.p);
      case 'rotation':
        return randomRotation(spec.maxDegrees);
    }
  });
}

/** The specs in words, for `scbench data info`. */
export function describeAugmentations(specs: readonly AugmentationSpec[]): string {
  if (specs.length === 0) return 'none';
  return specs
    .map((spec) => {
      switch (spec.kind) {
        case 'width-shift':
          return `random width shift up to ${spec.maxPixels} px (nearest fill)`;
        case 'flip':
          return `horizontal flip p=${spec.p}`;
        case 'rotation':
          return `random rotation up to ${spec.maxDegrees} degrees (nearest neighbour, zero fill)`;
      }
    })
    .join(', ');
}
