import { batchNorm, conv2d, dense, globalAveragePool, maxPool, relu, sequential, type LayerFactory } from './layers.ts';

/**
 * The paper's simple CNN: per block conv3x3, batch norm, ReLU, maxpool 2x2; then global average pooling
 * and a dense layer. `batchNormMomentum` is Keras's 0.99 unless a variant says otherwise.
 */
export function simpleCnn(blockFilters: readonly number[], classes: number, batchNormMomentum = 0.99): LayerFactory {
  const blocks = blockFilters.map((filters) => sequential(conv2d(filters), batchNorm(batchNormMomentum), relu, maxPool(2)));
  return sequential(...blocks, globalAveragePool, dense(classes));
}
