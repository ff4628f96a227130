import { batchNorm, conv2d, dense, globalAveragePool, maxPool, relu, sequential, type LayerFactory } from './layers.ts';

/** The VGG16 conv stack: 3x3 'same' convs of these widths, 'M' a 2x2 max pool. */
const VGG16_STACK: readonly (number | 'M')[] = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'];

/**
 * VGG16 with batch norm as paper.md fixes it: every conv (with bias, as Keras's VGG16) followed by
 * batch norm and ReLU; then global average pooling, dense 512 + batch norm + ReLU, dense classifier.
 */
export function vgg16bn(classes: number): LayerFactory {
  const features = VGG16_STACK.map((layer) => (layer === 'M' ? maxPool(2) : sequential(conv2d(layer), batchNorm(), relu)));
  return sequential(...features, globalAveragePool, dense(512), batchNorm(), relu, dense(classes));
}
