// Kernels scbench adds to the wasm backend, compiled to WebAssembly SIMD (scripts/build-wasm-kernels.sh).
// The module imports the backend's own memory: every pointer is a byte offset into the tfjs heap, where
// the caller has allocated inputs and outputs. No function uses the stack, allocates or keeps state.
#include <wasm_simd128.h>

typedef unsigned int u32;

// A 4x4 block transposed: src rows are srcStride floats apart, dst rows dstStride.
static inline void transpose4x4(const float *src, u32 srcStride, float *dst, u32 dstStride) {
  v128_t r0 = wasm_v128_load(src);
  v128_t r1 = wasm_v128_load(src + srcStride);
  v128_t r2 = wasm_v128_load(src + 2 * srcStride);
  v128_t r3 = wasm_v128_load(src + 3 * srcStride);
  v128_t t0 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5);
  v128_t t1 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5);
  v128_t t2 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7);
  v128_t t3 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
  wasm_v128_store(dst, wasm_i64x2_shuffle(t0, t1, 0, 2));
  wasm_v128_store(dst + dstStride, wasm_i64x2_shuffle(t0, t1, 1, 3));
  wasm_v128_store(dst + 2 * dstStride, wasm_i64x2_shuffle(t2, t3, 0, 2));
  wasm_v128_store(dst + 3 * dstStride, wasm_i64x2_shuffle(t2, t3, 1, 3));
}

// dst[j * dstStride + i] = src[i * srcStride + j] for i < rows, j < cols: one 2-d transpose, in 4x4 blocks.
static void transpose2d(const float *src, u32 srcStride, float *dst, u32 dstStride, u32 rows, u32 cols) {
  u32 i = 0;
  for (; i + 4 <= rows; i += 4) {
    u32 j = 0;
    for (; j + 4 <= cols; j += 4) transpose4x4(src + i * srcStride + j, srcStride, dst + j * dstStride + i, dstStride);
    for (; j < cols; j++) {
      for (u32 k = i; k < i + 4; k++) dst[j * dstStride + k] = src[k * srcStride + j];
    }
  }
  for (; i < rows; i++) {
    for (u32 j = 0; j < cols; j++) dst[j * dstStride + i] = src[i * srcStride + j];
  }
}

// Rows of `length` floats copied for every (a, b, c) < (n0, n1, n2), at the given strides (in floats).
void copy_rows(const float *in, float *out, u32 n0, u32 n1, u32 n2, u32 in0, u32 in1, u32 in2, u32 out0, u32 out1,
               u32 out2, u32 length) {
  for (u32 a = 0; a < n0; a++)
    for (u32 b = 0; b < n1; b++)
      for (u32 c = 0; c < n2; c++) {
        const float *from = in + a * in0 + b * in1 + c * in2;
        float *to = out + a * out0 + b * out1 + c * out2;
        u32 d = 0;
        for (; d + 4 <= length; d += 4) wasm_v128_store(to + d, wasm_v128_load(from + d));
        for (; d < length; d++) to[d] = from[d];
      }
}

// A 2-d transpose for every (a, b) < (n0, n1), at the given strides: in rows are contiguous and `rowStride`
// apart, out rows contiguous and `outRowStride` apart.
void transpose_planes(const float *in, float *out, u32 n0, u32 n1, u32 in0, u32 in1, u32 out0, u32 out1,
                      u32 rows, u32 cols, u32 rowStride, u32 outRowStride) {
  for (u32 a = 0; a < n0; a++)
    for (u32 b = 0; b < n1; b++) transpose2d(in + a * in0 + b * in1, rowStride, out + a * out0 + b * out1, outRowStride, rows, cols);
}

// MaxPoolGrad, NHWC: each output's gradient goes to the first maximum of its window in row-major order
// (padding excluded), as tfjs's cpu kernel does; overlapping windows add up in output order. Four
// channels at a time: a lane remembers which window position holds its maximum.
void max_pool_grad(const float *x, const float *dy, float *dx, u32 batch, u32 inH, u32 inW, u32 channels,
                   u32 outH, u32 outW, u32 filterH, u32 filterW, u32 strideH, u32 strideW, int top, int left) {
  const u32 rowSize = inW * channels, imageSize = inH * rowSize;
  for (u32 i = 0; i < batch * imageSize; i++) dx[i] = 0;
  const u32 vectorChannels = channels & ~3u;
  for (u32 n = 0; n < batch; n++) {
    const float *image = x + n * imageSize;
    float *gradImage = dx + n * imageSize;
    for (u32 r = 0; r < outH; r++) {
      const int rStart = (int)(r * strideH) - top;
      const u32 rFrom = rStart < 0 ? 0 : rStart;
      const u32 rTo = rStart + (int)filterH > (int)inH ? inH : rStart + filterH;
      for (u32 c = 0; c < outW; c++, dy += channels) {
        const int cStart = (int)(c * strideW) - left;
        const u32 cFrom = cStart < 0 ? 0 : cStart;
        const u32 cTo = cStart + (int)filterW > (int)inW ? inW : cStart + filterW;
        u32 ch = 0;
        for (; ch < vectorChannels; ch += 4) {
          v128_t best = wasm_f32x4_splat(-__builtin_inff());
          v128_t at = wasm_i32x4_splat(-1);
          for (u32 xr = rFrom; xr < rTo; xr++)
            for (u32 xc = cFrom; xc < cTo; xc++) {
              const u32 offset = xr * rowSize + xc * channels + ch;
              const v128_t value = wasm_v128_load(image + offset);
              const v128_t greater = wasm_f32x4_gt(value, best);
              best = wasm_v128_bitselect(value, best, greater);
              at = wasm_v128_bitselect(wasm_i32x4_splat(offset), at, greater);
            }
          const v128_t grad = wasm_v128_load(dy + ch);
          for (u32 xr = rFrom; xr < rTo; xr++)
            for (u32 xc = cFrom; xc < cTo; xc++) {
              const u32 offset = xr * rowSize + xc * channels + ch;
              const v128_t mine = wasm_i32x4_eq(at, wasm_i32x4_splat(offset));
              if (!wasm_v128_any_true(mine)) continue;
              float *target = gradImage + offset;
              wasm_v128_store(target, wasm_f32x4_add(wasm_v128_load(target), wasm_v128_and(grad, mine)));
            }
        }
        for (; ch < channels; ch++) {
          float best = -__builtin_inff();
          int at = -1;
          for (u32 xr = rFrom; xr < rTo; xr++)
            for (u32 xc = cFrom; xc < cTo; xc++) {
              const u32 offset = xr * rowSize + xc * channels + ch;
              if (image[offset] > best) {
                best = image[offset];
                at = offset;
              }
            }
          if (at >= 0) gradImage[at] += dy[ch];
        }
      }
    }
  }
}

// out[c] = sum over r of in[r * cols + c]: sums over all but the innermost axis (bias and batch-norm
// gradients), row after row. Each column adds its values in row order, as wasm's own Sum does after its
// transpose, so the results are the same to the bit.
void column_sums(const float *in, float *out, u32 rows, u32 cols) {
  for (u32 c = 0; c < cols; c++) out[c] = 0;
  const u32 vectorCols = cols & ~3u;
  for (u32 r = 0; r < rows; r++, in += cols) {
    u32 c = 0;
    for (; c < vectorCols; c += 4) wasm_v128_store(out + c, wasm_f32x4_add(wasm_v128_load(out + c), wasm_v128_load(in + c)));
    for (; c < cols; c++) out[c] += in[c];
  }
}
