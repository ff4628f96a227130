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
 * Shifts the image by dy, dx pixels, each uniform over the integers -maxShift..maxShift, filling
 * with zeros: the same as zero-padding every side by maxShift and cropping a random window.
 */
export function randomShift(maxShift: number): Augmentation {
  const copy = scratchCopier();
  return (image, [height, width, channels], random) => {
    const dy = Math.floor(random() * (2 * maxShift + 1)) - maxShift;
    const dx = Math.floor(random() * (2 * maxShift + 1)) - maxShift;
    if (dy === 0 && dx === 0) return;
    const source = copy(image);
    const row = width * channels;
    for (let y = 0; y < height; y++) {
      const sy = y + dy;
      const out = image.subarray(y * row, (y + 1) * row);
      if (sy < 0 || sy >= height) {
        out.fill(0);
        continue;
      }
      const x0 = Math.max(0, -dx);
      const x1 = Math.min(width, width - dx);
      out.fill(0, 0, x0 * channels);
      out.set(source.subarray(sy * row + (x0 + dx) * channels, sy * row + (x1 + dx) * channels), x0 * channels);
      out.fill(0, x1 * channels);
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

/** A data set's default augmentation list, with the words a report shows for it. */
export interface AugmentationDefaults {
  readonly augmentations: readonly Augmentation[];
  readonly description: string;
}

/** Shift sizes are 1/8 of the image side: CIFAR-10's customary 4 px at 32x32, 8 px at TinyImageNet's 64x64. */
export const CIFAR10_MAX_SHIFT = 4;
export const TINYIMAGENET_MAX_SHIFT = 8;
/** The paper names no angle for Oxflower17's random rotation; this is the suite's choice. */
export const OXFLOWER17_MAX_ROTATION_DEGREES = 30;

/** The paper's augmentation per data set (section "Data" of the spec); MNIST is not augmented. */
export const DEFAULT_AUGMENTATIONS: Readonly<Record<'cifar10' | 'oxflower17' | 'tinyimagenet' | 'mnist', AugmentationDefaults>> = {
  cifar10: {
    augmentations: [randomShift(CIFAR10_MAX_SHIFT), horizontalFlip()],
    description: `random shift up to ${CIFAR10_MAX_SHIFT} px (zero pad and crop), horizontal flip p=0.5`,
  },
  oxflower17: {
    augmentations: [horizontalFlip(), randomRotation(OXFLOWER17_MAX_ROTATION_DEGREES)],
    description: `horizontal flip p=0.5, random rotation up to ${OXFLOWER17_MAX_ROTATION_DEGREES} degrees (nearest neighbour, zero fill)`,
  },
  tinyimagenet: {
    augmentations: [horizontalFlip(), randomShift(TINYIMAGENET_MAX_SHIFT)],
    description: `horizontal flip p=0.5, random shift up to ${TINYIMAGENET_MAX_SHIFT} px (zero pad and crop)`,
  },
  mnist: { augmentations: [], description: 'none' },
};

/** The default augmentations of a data set by its suite name; none for a name without a declared list (mnist-mini). */
export function augmentationsFor(dataset: string): readonly Augmentation[] {
  return (DEFAULT_AUGMENTATIONS as Record<string, AugmentationDefaults | undefined>)[dataset]?.augmentations ?? [];
}
