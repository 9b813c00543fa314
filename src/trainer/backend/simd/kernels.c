// jointrain's SIMD kernels for the tfjs wasm backend. They run in a module of their own that
// imports the wasm backend's memory, so they read and write tensors where tfjs keeps them, with no
// copies. Rules that keep this safe (checked by scripts/build-simd.mjs): no data segments, no
// globals, no stack in linear memory, no imports but the memory: a function touches only the
// pointers it is given. Each kernel does the same float32 operations in the same order as the
// kernels it replaces, so results stay bit for bit the same (see the tests).
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name))) name

// One Adam step of one variable: m' = m·β1 + g·(1−β1); v' = v·β2 + g²·(1−β2);
// x' = (m'/c1) / (√(v'/c2) + ε) · (−lr) + x, where c1 = 1 − β1^t and c2 = 1 − β2^t: tfjs's
// AdamOptimizer, op for op.
void EXPORT(adam_update)(const float *x, const float *g, const float *m, const float *v, float *x_out, float *m_out, float *v_out, int n,
                         float beta1, float beta2, float share1, float share2, float correction1, float correction2, float epsilon,
                         float step) {
  const v128_t b1 = wasm_f32x4_splat(beta1), b2 = wasm_f32x4_splat(beta2);
  const v128_t s1 = wasm_f32x4_splat(share1), s2 = wasm_f32x4_splat(share2);
  const v128_t c1 = wasm_f32x4_splat(correction1), c2 = wasm_f32x4_splat(correction2);
  const v128_t eps = wasm_f32x4_splat(epsilon), st = wasm_f32x4_splat(step);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    const v128_t gi = wasm_v128_load(g + i);
    const v128_t mi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(m + i), b1), wasm_f32x4_mul(gi, s1));
    const v128_t vi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(v + i), b2), wasm_f32x4_mul(wasm_f32x4_mul(gi, gi), s2));
    wasm_v128_store(m_out + i, mi);
    wasm_v128_store(v_out + i, vi);
    const v128_t denominator = wasm_f32x4_add(wasm_f32x4_sqrt(wasm_f32x4_div(vi, c2)), eps);
    const v128_t update = wasm_f32x4_mul(wasm_f32x4_div(wasm_f32x4_div(mi, c1), denominator), st);
    wasm_v128_store(x_out + i, wasm_f32x4_add(update, wasm_v128_load(x + i)));
  }
  for (; i < n; i++) {
    const float gi = g[i];
    const float mi = m[i] * beta1 + gi * share1;
    const float vi = v[i] * beta2 + (gi * gi) * share2;
    m_out[i] = mi;
    v_out[i] = vi;
    x_out[i] = ((mi / correction1) / (__builtin_sqrtf(vi / correction2) + epsilon)) * step + x[i];
  }
}

// Max-pooling gradient for windows that do not overlap (stride ≥ window), NHWC: each window's
// gradient goes to its first maximum in row-major order, found with a strict `>` from −∞, so a
// window of NaNs or −∞ sends it nowhere — tfjs cpu's rule. Four channels at a time. dx is zeroed
// here, then each chosen position gets 0 + dy, as cpu's sum does (+0 for a dy of −0).
void EXPORT(max_pool_grad_disjoint)(const float *x, const float *dy, float *dx, int batch, int in_h, int in_w, int channels, int out_h, int out_w,
                                    int filter_h, int filter_w, int stride_h, int stride_w, int top, int left) {
  __builtin_memset(dx, 0, (unsigned long)batch * in_h * in_w * channels * sizeof(float));
  const v128_t lane = wasm_i32x4_make(0, 1, 2, 3);
  const int vector_channels = channels & ~3;
  for (int b = 0; b < batch; b++) {
    const int image = b * in_h * in_w * channels;
    for (int oy = 0; oy < out_h; oy++) {
      const int row_start = oy * stride_h - top < 0 ? 0 : oy * stride_h - top;
      const int row_end = oy * stride_h - top + filter_h > in_h ? in_h : oy * stride_h - top + filter_h;
      for (int ox = 0; ox < out_w; ox++) {
        const int column_start = ox * stride_w - left < 0 ? 0 : ox * stride_w - left;
        const int column_end = ox * stride_w - left + filter_w > in_w ? in_w : ox * stride_w - left + filter_w;
        const float *dy_here = dy + ((b * out_h + oy) * out_w + ox) * channels;
        for (int c = 0; c < vector_channels; c += 4) {
          v128_t maximum = wasm_f32x4_splat(-__builtin_inff());
          v128_t position = wasm_i32x4_splat(-1);
          for (int row = row_start; row < row_end; row++) {
            for (int column = column_start; column < column_end; column++) {
              const int index = image + (row * in_w + column) * channels + c;
              const v128_t value = wasm_v128_load(x + index);
              const v128_t larger = wasm_f32x4_gt(value, maximum);
              maximum = wasm_v128_bitselect(value, maximum, larger);
              position = wasm_v128_bitselect(wasm_i32x4_add(wasm_i32x4_splat(index), lane), position, larger);
            }
          }
          int chosen[4];
          wasm_v128_store(chosen, position);
          for (int k = 0; k < 4; k++) {
            if (chosen[k] >= 0) dx[chosen[k]] = 0.0f + dy_here[c + k];
          }
        }
        for (int c = vector_channels; c < channels; c++) {
          float maximum = -__builtin_inff();
          int position = -1;
          for (int row = row_start; row < row_end; row++) {
            for (int column = column_start; column < column_end; column++) {
              const int index = image + (row * in_w + column) * channels + c;
              if (x[index] > maximum) {
                maximum = x[index];
                position = index;
              }
            }
          }
          if (position >= 0) dx[position] = 0.0f + dy_here[c];
        }
      }
    }
  }
}

// Convolution filter gradient, NHWC, on an input already padded (x_padded is [batch, padded_h,
// padded_w, in_c]): dw[i,j,c,o] = Σ_{b,y,x} x_padded[b, y·stride_h + i, x·stride_w + j, c] · dy[b,y,x,o].
// As a matrix product dw[k,o] = Σ_p patch[p,k] · dy[p,o] over output positions p, with tap
// k = (i,j,c) at a fixed offset from position p's corner, so no patch matrix is built. Positions
// are taken a few output rows at a time so that their dy rows stay in cache while every block of
// 4 taps × 8 (or 4) output channels sums over them in registers; dw holds the running sums.
static inline int tap_offset(int k, int filter_w, int in_c, int padded_w) {
  const int c = k % in_c, ij = k / in_c;
  return ((ij / filter_w) * padded_w + ij % filter_w) * in_c + c;
}

#define ROWS_LOOP(...)                                                                                           \
  for (int row = row_start; row < row_end; row++) {                                                              \
    const int b = row / out_h, y = row % out_h;                                                                  \
    const float *corner = x_padded + ((b * padded_h + y * stride_h) * padded_w) * in_c;                          \
    const float *dy_row = dy + row * out_w * out_c;                                                              \
    for (int x = 0; x < out_w; x++, corner += x_step, dy_row += out_c) {                                         \
      __VA_ARGS__                                                                                                \
    }                                                                                                            \
  }

void EXPORT(conv2d_backprop_filter)(const float *x_padded, const float *dy, float *dw, int batch, int padded_h, int padded_w, int in_c,
                                    int out_h, int out_w, int out_c, int filter_h, int filter_w, int stride_h, int stride_w) {
  const int taps = filter_h * filter_w * in_c;
  const int x_step = stride_w * in_c;
  const int rows = batch * out_h;
  const int rows_per_chunk = out_w >= 256 ? 1 : 256 / out_w;
  __builtin_memset(dw, 0, (unsigned long)taps * out_c * sizeof(float));
  for (int row_start = 0; row_start < rows; row_start += rows_per_chunk) {
    const int row_end = row_start + rows_per_chunk < rows ? row_start + rows_per_chunk : rows;
    int k = 0;
    for (; k + 4 <= taps; k += 4) {
      const int k0 = tap_offset(k, filter_w, in_c, padded_w), k1 = tap_offset(k + 1, filter_w, in_c, padded_w);
      const int k2 = tap_offset(k + 2, filter_w, in_c, padded_w), k3 = tap_offset(k + 3, filter_w, in_c, padded_w);
      float *w0 = dw + k * out_c, *w1 = w0 + out_c, *w2 = w1 + out_c, *w3 = w2 + out_c;
      int o = 0;
      for (; o + 8 <= out_c; o += 8) {
        v128_t a0 = wasm_v128_load(w0 + o), a1 = wasm_v128_load(w1 + o), a2 = wasm_v128_load(w2 + o), a3 = wasm_v128_load(w3 + o);
        v128_t b0 = wasm_v128_load(w0 + o + 4), b1 = wasm_v128_load(w1 + o + 4), b2 = wasm_v128_load(w2 + o + 4), b3 = wasm_v128_load(w3 + o + 4);
        ROWS_LOOP({
          const v128_t d0 = wasm_v128_load(dy_row + o), d1 = wasm_v128_load(dy_row + o + 4);
          const v128_t p0 = wasm_f32x4_splat(corner[k0]), p1 = wasm_f32x4_splat(corner[k1]);
          const v128_t p2 = wasm_f32x4_splat(corner[k2]), p3 = wasm_f32x4_splat(corner[k3]);
          a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(p0, d0));
          b0 = wasm_f32x4_add(b0, wasm_f32x4_mul(p0, d1));
          a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(p1, d0));
          b1 = wasm_f32x4_add(b1, wasm_f32x4_mul(p1, d1));
          a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(p2, d0));
          b2 = wasm_f32x4_add(b2, wasm_f32x4_mul(p2, d1));
          a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(p3, d0));
          b3 = wasm_f32x4_add(b3, wasm_f32x4_mul(p3, d1));
        })
        wasm_v128_store(w0 + o, a0), wasm_v128_store(w1 + o, a1), wasm_v128_store(w2 + o, a2), wasm_v128_store(w3 + o, a3);
        wasm_v128_store(w0 + o + 4, b0), wasm_v128_store(w1 + o + 4, b1), wasm_v128_store(w2 + o + 4, b2), wasm_v128_store(w3 + o + 4, b3);
      }
      for (; o + 4 <= out_c; o += 4) {
        v128_t a0 = wasm_v128_load(w0 + o), a1 = wasm_v128_load(w1 + o), a2 = wasm_v128_load(w2 + o), a3 = wasm_v128_load(w3 + o);
        ROWS_LOOP({
          const v128_t d0 = wasm_v128_load(dy_row + o);
          a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_f32x4_splat(corner[k0]), d0));
          a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_f32x4_splat(corner[k1]), d0));
          a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(wasm_f32x4_splat(corner[k2]), d0));
          a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(wasm_f32x4_splat(corner[k3]), d0));
        })
        wasm_v128_store(w0 + o, a0), wasm_v128_store(w1 + o, a1), wasm_v128_store(w2 + o, a2), wasm_v128_store(w3 + o, a3);
      }
      for (; o < out_c; o++) {
        float s0 = w0[o], s1 = w1[o], s2 = w2[o], s3 = w3[o];
        ROWS_LOOP({
          const float d = dy_row[o];
          s0 += corner[k0] * d, s1 += corner[k1] * d, s2 += corner[k2] * d, s3 += corner[k3] * d;
        })
        w0[o] = s0, w1[o] = s1, w2[o] = s2, w3[o] = s3;
      }
    }
    for (; k < taps; k++) {
      const int k0 = tap_offset(k, filter_w, in_c, padded_w);
      float *w0 = dw + k * out_c;
      int o = 0;
      for (; o + 4 <= out_c; o += 4) {
        v128_t a0 = wasm_v128_load(w0 + o);
        ROWS_LOOP({ a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_f32x4_splat(corner[k0]), wasm_v128_load(dy_row + o))); })
        wasm_v128_store(w0 + o, a0);
      }
      for (; o < out_c; o++) {
        float s0 = w0[o];
        ROWS_LOOP({ s0 += corner[k0] * dy_row[o]; })
        w0[o] = s0;
      }
    }
  }
}

// The two gradients of a depthwise convolution with channel multiplier 1, NHWC, any stride,
// dilation and padding: every (output position, tap) pair whose input position lies inside x adds
// a channel-wise product, four channels at a time. Filter gradient: dw[i,j,c] += x[h,w,c]·dy[y,x,c];
// input gradient: dx[h,w,c] += dy[y,x,c]·filter[i,j,c], where h = y·stride_h + i·dilation_h − top
// and w = x·stride_w + j·dilation_w − left. The target (dw or dx) is zeroed first.
static inline void multiply_add(float *target, const float *a, const float *b, int channels) {
  int c = 0;
  for (; c + 4 <= channels; c += 4) {
    wasm_v128_store(target + c, wasm_f32x4_add(wasm_v128_load(target + c), wasm_f32x4_mul(wasm_v128_load(a + c), wasm_v128_load(b + c))));
  }
  for (; c < channels; c++) target[c] += a[c] * b[c];
}

#define DEPTHWISE_PAIRS(...)                                                                                     \
  for (int b = 0; b < batch; b++) {                                                                              \
    for (int y = 0; y < out_h; y++) {                                                                            \
      for (int i = 0; i < filter_h; i++) {                                                                       \
        const int h = y * stride_h + i * dilation_h - top;                                                       \
        if (h < 0 || h >= in_h) continue;                                                                        \
        for (int x = 0; x < out_w; x++) {                                                                        \
          const float *dy_here = dy + ((b * out_h + y) * out_w + x) * channels;                                  \
          for (int j = 0; j < filter_w; j++) {                                                                   \
            const int w = x * stride_w + j * dilation_w - left;                                                  \
            if (w < 0 || w >= in_w) continue;                                                                    \
            const int input_index = ((b * in_h + h) * in_w + w) * channels;                                      \
            const int tap_index = (i * filter_w + j) * channels;                                                 \
            __VA_ARGS__                                                                                          \
          }                                                                                                      \
        }                                                                                                        \
      }                                                                                                          \
    }                                                                                                            \
  }

void EXPORT(depthwise_backprop_filter)(const float *x_in, const float *dy, float *dw, int batch, int in_h, int in_w, int channels, int out_h,
                                       int out_w, int filter_h, int filter_w, int stride_h, int stride_w, int dilation_h, int dilation_w,
                                       int top, int left) {
  __builtin_memset(dw, 0, (unsigned long)filter_h * filter_w * channels * sizeof(float));
  DEPTHWISE_PAIRS(multiply_add(dw + tap_index, x_in + input_index, dy_here, channels);)
}

void EXPORT(depthwise_backprop_input)(const float *dy, const float *filter, float *dx, int batch, int in_h, int in_w, int channels, int out_h,
                                      int out_w, int filter_h, int filter_w, int stride_h, int stride_w, int dilation_h, int dilation_w,
                                      int top, int left) {
  __builtin_memset(dx, 0, (unsigned long)batch * in_h * in_w * channels * sizeof(float));
  DEPTHWISE_PAIRS(multiply_add(dx + input_index, dy_here, filter + tap_index, channels);)
}

// Sums over leading axes: out[c] = Σ_r x[r·columns + c], rows in order, in float32 from 0 — the
// order in which tfjs's Sum adds them after moving the reduced axes last, so the result is the
// same bit for bit, without that transpose (a bias gradient: dy summed over batch and positions).
void EXPORT(sum_leading_axes)(const float *x, float *out, int rows, int columns) {
  __builtin_memset(out, 0, (unsigned long)columns * sizeof(float));
  for (int r = 0; r < rows; r++) {
    const float *row = x + r * columns;
    int c = 0;
    for (; c + 4 <= columns; c += 4) wasm_v128_store(out + c, wasm_f32x4_add(wasm_v128_load(out + c), wasm_v128_load(row + c)));
    for (; c < columns; c++) out[c] += row[c];
  }
}

// Rows of a table picked by index (an embedding lookup: gather along axis 0), one memory.copy per
// row; the caller has checked every index. Works for any 4-byte element type.
void EXPORT(gather_rows)(const float *table, const int *indices, float *out, int count, int row_size) {
  for (int i = 0; i < count; i++) __builtin_memcpy(out + i * row_size, table + indices[i] * row_size, (unsigned long)row_size * sizeof(float));
}

// Rows of x summed into segments by id (the gradient of gather, and so of an embedding): out is
// zeroed, then each row is added to its segment's row in order; ids outside [0, segments) are
// dropped, as on cpu.
void EXPORT(segment_sum_rows)(const float *x, const int *ids, float *out, int count, int row_size, int segments) {
  __builtin_memset(out, 0, (unsigned long)segments * row_size * sizeof(float));
  for (int i = 0; i < count; i++) {
    const int id = ids[i];
    if (id < 0 || id >= segments) continue;
    float *target = out + id * row_size;
    const float *row = x + i * row_size;
    int c = 0;
    for (; c + 4 <= row_size; c += 4) wasm_v128_store(target + c, wasm_f32x4_add(wasm_v128_load(target + c), wasm_v128_load(row + c)));
    for (; c < row_size; c++) target[c] += row[c];
  }
}

// A matrix product with an optional bias and ReLU, c[i,j] = act(Σ_k A(i,k)·b[k,j] + bias[j]), for a
// dense layer's forward pass and both its gradients. b is [k, n] row-major; A(i,k) is a[i·k + kk]
// or, when a_transposed, a[kk·m + i] (the input gradient's Xᵀ needs no copy). XNNPACK, as tfjs
// calls it, packs b into a new operator whenever b is a new tensor — in training, every call — at
// about the cost of the product itself; this needs no packing. Blocks of 4 rows × 8 columns sum
// over all of k in registers, in order from 0, then add the bias; the columns are the outer loop
// so that a block's 8 columns of b stay in cache while every row of A passes over them.
#define GEMM_A(i, kk) (a_transposed ? a[(kk) * m + (i)] : a[(i) * k + (kk)])

static inline v128_t epilogue(v128_t sum, const float *bias, int j, int relu) {
  if (bias) sum = wasm_f32x4_add(sum, wasm_v128_load(bias + j));
  // pmax(x, 0) is x < 0 ? 0 : x, as tfjs's Relu: NaN and −0 pass through.
  return relu ? wasm_f32x4_pmax(sum, wasm_f32x4_splat(0.0f)) : sum;
}

static inline float epilogue1(float sum, const float *bias, int j, int relu) {
  if (bias) sum += bias[j];
  return relu && sum < 0.0f ? 0.0f : sum;
}

// One column of 4 rows (a vector's lanes), each with its bias and activation.
static inline void store_column(float *out, int n, v128_t column, const float *bias, int j, int relu) {
  out[0] = epilogue1(wasm_f32x4_extract_lane(column, 0), bias, j, relu);
  out[n] = epilogue1(wasm_f32x4_extract_lane(column, 1), bias, j, relu);
  out[2 * n] = epilogue1(wasm_f32x4_extract_lane(column, 2), bias, j, relu);
  out[3 * n] = epilogue1(wasm_f32x4_extract_lane(column, 3), bias, j, relu);
}

void EXPORT(gemm)(const float *a, const float *b, const float *bias, float *c, int m, int n, int k, int a_transposed, int relu) {
  int j = 0;
  for (; j + 8 <= n; j += 8) {
    int i = 0;
    for (; i + 4 <= m; i += 4) {
      v128_t c00 = wasm_f32x4_splat(0.0f), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
      const float *bk = b + j;
      for (int kk = 0; kk < k; kk++, bk += n) {
        const v128_t b0 = wasm_v128_load(bk), b1 = wasm_v128_load(bk + 4);
        v128_t a0, a1, a2, a3;
        if (a_transposed) {
          const v128_t column = wasm_v128_load(a + kk * m + i);
          a0 = wasm_i32x4_shuffle(column, column, 0, 0, 0, 0), a1 = wasm_i32x4_shuffle(column, column, 1, 1, 1, 1);
          a2 = wasm_i32x4_shuffle(column, column, 2, 2, 2, 2), a3 = wasm_i32x4_shuffle(column, column, 3, 3, 3, 3);
        } else {
          const float *row = a + i * k + kk;
          a0 = wasm_f32x4_splat(row[0]), a1 = wasm_f32x4_splat(row[k]), a2 = wasm_f32x4_splat(row[2 * k]), a3 = wasm_f32x4_splat(row[3 * k]);
        }
        c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(a0, b0)), c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(a0, b1));
        c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(a1, b0)), c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(a1, b1));
        c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(a2, b0)), c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(a2, b1));
        c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(a3, b0)), c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(a3, b1));
      }
      float *out = c + i * n + j;
      wasm_v128_store(out, epilogue(c00, bias, j, relu)), wasm_v128_store(out + 4, epilogue(c01, bias, j + 4, relu));
      wasm_v128_store(out + n, epilogue(c10, bias, j, relu)), wasm_v128_store(out + n + 4, epilogue(c11, bias, j + 4, relu));
      wasm_v128_store(out + 2 * n, epilogue(c20, bias, j, relu)), wasm_v128_store(out + 2 * n + 4, epilogue(c21, bias, j + 4, relu));
      wasm_v128_store(out + 3 * n, epilogue(c30, bias, j, relu)), wasm_v128_store(out + 3 * n + 4, epilogue(c31, bias, j + 4, relu));
    }
    for (; i < m; i++) {
      v128_t c0 = wasm_f32x4_splat(0.0f), c1 = c0;
      const float *bk = b + j;
      for (int kk = 0; kk < k; kk++, bk += n) {
        const v128_t a0 = wasm_f32x4_splat(GEMM_A(i, kk));
        c0 = wasm_f32x4_add(c0, wasm_f32x4_mul(a0, wasm_v128_load(bk))), c1 = wasm_f32x4_add(c1, wasm_f32x4_mul(a0, wasm_v128_load(bk + 4)));
      }
      wasm_v128_store(c + i * n + j, epilogue(c0, bias, j, relu)), wasm_v128_store(c + i * n + j + 4, epilogue(c1, bias, j + 4, relu));
    }
  }
  // The last n % 8 columns (a classifier's 10 outputs leave 2), up to 4 at a time: a vector holds
  // 4 rows of one column, so the product stays in SIMD however narrow b is; k still runs in order.
  for (; j < n; j += 4) {
    const int r = n - j < 4 ? n - j : 4;
    int i = 0;
    for (; i + 4 <= m; i += 4) {
      v128_t c0 = wasm_f32x4_splat(0.0f), c1 = c0, c2 = c0, c3 = c0;
      const float *bk = b + j;
      for (int kk = 0; kk < k; kk++, bk += n) {
        const v128_t rows = a_transposed ? wasm_v128_load(a + kk * m + i)
                                         : wasm_f32x4_make(a[i * k + kk], a[(i + 1) * k + kk], a[(i + 2) * k + kk], a[(i + 3) * k + kk]);
        c0 = wasm_f32x4_add(c0, wasm_f32x4_mul(rows, wasm_f32x4_splat(bk[0])));
        if (r > 1) c1 = wasm_f32x4_add(c1, wasm_f32x4_mul(rows, wasm_f32x4_splat(bk[1])));
        if (r > 2) c2 = wasm_f32x4_add(c2, wasm_f32x4_mul(rows, wasm_f32x4_splat(bk[2])));
        if (r > 3) c3 = wasm_f32x4_add(c3, wasm_f32x4_mul(rows, wasm_f32x4_splat(bk[3])));
      }
      store_column(c + i * n + j, n, c0, bias, j, relu);
      if (r > 1) store_column(c + i * n + j + 1, n, c1, bias, j + 1, relu);
      if (r > 2) store_column(c + i * n + j + 2, n, c2, bias, j + 2, relu);
      if (r > 3) store_column(c + i * n + j + 3, n, c3, bias, j + 3, relu);
    }
    for (; i < m; i++) {
      for (int q = j; q < j + r; q++) {
        float sum = 0.0f;
        for (int kk = 0; kk < k; kk++) sum += GEMM_A(i, kk) * b[kk * n + q];
        c[i * n + q] = epilogue1(sum, bias, q, relu);
      }
    }
  }
}

// x + bias, the bias one value per channel of x's last axis (a dense or conv layer's bias add while
// training, when tfjs does not fuse it into the product): wasm's Add broadcasts by computing each
// element's source indices one at a time. The same float32 additions, so the same bits.
void EXPORT(bias_add)(const float *x, const float *bias, float *out, int rows, int channels) {
  const int vector_channels = channels & ~3;
  for (int r = 0; r < rows; r++, x += channels, out += channels) {
    int c = 0;
    for (; c < vector_channels; c += 4) wasm_v128_store(out + c, wasm_f32x4_add(wasm_v128_load(x + c), wasm_v128_load(bias + c)));
    for (; c < channels; c++) out[c] = x[c] + bias[c];
  }
}

// The mean over a block of axes that are not the innermost, x viewed as [outer, reduce, inner]:
// out[o, i] = (Σ_r x[o, r, i]) / divisor, r in order, in float32 — what wasm's Mean computes after
// moving the reduced axes last with a transpose (a copy of all of x), so the same bits, without it.
void EXPORT(mean_middle)(const float *x, float *out, int outer, int reduce, int inner, float divisor) {
  const v128_t d = wasm_f32x4_splat(divisor);
  const int vector_inner = inner & ~3;
  for (int o = 0; o < outer; o++, out += inner, x += reduce * inner) {
    int i = 0;
    for (; i < vector_inner; i += 4) {
      v128_t sum = wasm_f32x4_splat(0.0f);
      for (int r = 0; r < reduce; r++) sum = wasm_f32x4_add(sum, wasm_v128_load(x + r * inner + i));
      wasm_v128_store(out + i, wasm_f32x4_div(sum, d));
    }
    for (; i < inner; i++) {
      float sum = 0.0f;
      for (int r = 0; r < reduce; r++) sum += x[r * inner + i];
      out[i] = sum / divisor;
    }
  }
}

// The gradient of a mean over a block of axes, dx viewed as [outer, reduce, inner]:
// dx[o, r, i] = dy[o, i] / divisor. tfjs computes (dy · ones(x.shape)) / n: a tensor of ones as
// large as x, a product and a quotient; dy · 1 is dy, so the quotient alone gives the same bits.
void EXPORT(mean_grad)(const float *dy, float *dx, int outer, int reduce, int inner, float divisor) {
  const v128_t d = wasm_f32x4_splat(divisor);
  const int vector_inner = inner & ~3;
  for (int o = 0; o < outer; o++, dy += inner) {
    for (int r = 0; r < reduce; r++, dx += inner) {
      int i = 0;
      for (; i < vector_inner; i += 4) wasm_v128_store(dx + i, wasm_f32x4_div(wasm_v128_load(dy + i), d));
      for (; i < inner; i++) dx[i] = dy[i] / divisor;
    }
  }
}

// The gradient of clipByValue: dy where low ≤ x ≤ high, +0 elsewhere (and for a NaN x), as tfjs's
// where(logicalAnd(greaterEqual, lessEqual), dy, zerosLike(dy)) does in five kernel calls.
void EXPORT(clip_grad)(const float *dy, const float *x, float *dx, int n, float low, float high) {
  const v128_t lo = wasm_f32x4_splat(low), hi = wasm_f32x4_splat(high), zero = wasm_f32x4_splat(0.0f);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    const v128_t xi = wasm_v128_load(x + i);
    const v128_t inside = wasm_v128_and(wasm_f32x4_ge(xi, lo), wasm_f32x4_le(xi, hi));
    wasm_v128_store(dx + i, wasm_v128_bitselect(wasm_v128_load(dy + i), zero, inside));
  }
  for (; i < n; i++) dx[i] = x[i] >= low && x[i] <= high ? dy[i] : 0.0f;
}

// The gradient of softmax over the last axis, y its output: dx = dy·y − (Σ_j dy_j·y_j)·y per row,
// the products, the sum in order and the difference in float32, as tfjs's Multiply, Sum, Multiply
// and Sub compute them, so the same bits in one pass per row.
void EXPORT(softmax_grad)(const float *dy, const float *y, float *dx, int rows, int classes) {
  for (int r = 0; r < rows; r++, dy += classes, y += classes, dx += classes) {
    float sum = 0.0f;
    for (int j = 0; j < classes; j++) {
      dx[j] = dy[j] * y[j];
      sum += dx[j];
    }
    for (int j = 0; j < classes; j++) dx[j] = dx[j] - sum * y[j];
  }
}

// The gradient of ReLU, dx = dy · step(x), in one pass: tfjs composes it as Step, Cast and Multiply,
// three passes over a layer's activations and three kernel calls. step(x) is 1 for x > 0, 0 for
// x ≤ 0 and NaN for a NaN x, as tfjs's Step is, so dx is the product tfjs computes, bit for bit.
void EXPORT(relu_grad)(const float *dy, const float *x, float *dx, int n) {
  const v128_t zero = wasm_f32x4_splat(0.0f), one = wasm_f32x4_splat(1.0f);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    const v128_t xi = wasm_v128_load(x + i);
    const v128_t step = wasm_v128_bitselect(one, zero, wasm_f32x4_gt(xi, zero));
    const v128_t factor = wasm_v128_bitselect(xi, step, wasm_f32x4_ne(xi, xi));
    wasm_v128_store(dx + i, wasm_f32x4_mul(wasm_v128_load(dy + i), factor));
  }
  for (; i < n; i++) {
    const float xi = x[i];
    dx[i] = dy[i] * (xi != xi ? xi : xi > 0.0f ? 1.0f : 0.0f);
  }
}

// Spatial padding of an NHWC tensor with a constant (the padding of a convolution's input or dy):
// each output row is the constant, then the input row copied whole, then the constant. wasm's own
// PadV2 computes every output element's source index one by one.
static inline void fill(float *out, int count, float value) {
  const v128_t v = wasm_f32x4_splat(value);
  int i = 0;
  for (; i + 4 <= count; i += 4) wasm_v128_store(out + i, v);
  for (; i < count; i++) out[i] = value;
}

void EXPORT(pad_hw)(const float *x, float *out, int batch, int in_h, int in_w, int channels, int top, int bottom, int left, int right,
                    float value) {
  const int out_w = in_w + left + right;
  const int row = out_w * channels;
  for (int b = 0; b < batch; b++) {
    fill(out, top * row, value);
    out += top * row;
    for (int y = 0; y < in_h; y++, out += row, x += in_w * channels) {
      fill(out, left * channels, value);
      __builtin_memcpy(out + left * channels, x, (unsigned long)in_w * channels * sizeof(float));
      fill(out + (left + in_w) * channels, right * channels, value);
    }
    fill(out, bottom * row, value);
    out += bottom * row;
  }
}

// The forward convolution, NHWC, dilation 1: out[b,y,x,o] = Σ_{i,j,c} x_padded[b, y·sh + i, x·sw + j, c] · w[i,j,c,o],
// summed over (i, j, c) in that order. A matrix product whose left operand is read at each tap's
// offset from the output position's corner (no patch matrix), blocks of 4 positions × 8 (or 4)
// output channels summed in registers. XNNPACK, as tfjs calls it, packs the filter again whenever it
// is a new tensor — in training, at every step — at a cost that does not shrink with the batch.
// The taps of one filter row, (j, c) for every j and c, lie next to each other in the padded input
// (offset j·in_c + c = c'), so each filter row is one loop over its filter_w·in_c taps.
#define TAPS_LOOP(...)                                                                                           \
  for (int i = 0; i < filter_h; i++) {                                                                           \
    const float *p = corner + i * padded_w * in_c;                                                               \
    const float *wk = w + i * row_taps * out_c + o;                                                              \
    for (int c = 0; c < row_taps; c++, wk += out_c) {                                                            \
      __VA_ARGS__                                                                                                \
    }                                                                                                            \
  }

#define MAC(acc, a, b) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(a, b))

void EXPORT(conv2d_forward)(const float *x_padded, const float *w, float *out, int batch, int padded_h, int padded_w, int in_c, int out_h,
                            int out_w, int out_c, int filter_h, int filter_w, int stride_h, int stride_w) {
  const int x_step = stride_w * in_c, row_taps = filter_w * in_c;
  for (int row = 0; row < batch * out_h; row++) {
    const int b = row / out_h, y = row % out_h;
    const float *row_corner = x_padded + ((b * padded_h + y * stride_h) * padded_w) * in_c;
    float *out_row = out + row * out_w * out_c;
    int x = 0;
    for (; x + 4 <= out_w; x += 4) {
      const float *corner = row_corner + x * x_step;
      float *o0 = out_row + x * out_c, *o1 = o0 + out_c, *o2 = o1 + out_c, *o3 = o2 + out_c;
      int o = 0;
      for (; o + 8 <= out_c; o += 8) {
        v128_t a0 = wasm_f32x4_splat(0), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        TAPS_LOOP({
          const v128_t w0 = wasm_v128_load(wk), w1 = wasm_v128_load(wk + 4);
          const v128_t p0 = wasm_f32x4_splat(p[c]), p1 = wasm_f32x4_splat(p[x_step + c]);
          const v128_t p2 = wasm_f32x4_splat(p[2 * x_step + c]), p3 = wasm_f32x4_splat(p[3 * x_step + c]);
          MAC(a0, p0, w0), MAC(b0, p0, w1), MAC(a1, p1, w0), MAC(b1, p1, w1);
          MAC(a2, p2, w0), MAC(b2, p2, w1), MAC(a3, p3, w0), MAC(b3, p3, w1);
        })
        wasm_v128_store(o0 + o, a0), wasm_v128_store(o1 + o, a1), wasm_v128_store(o2 + o, a2), wasm_v128_store(o3 + o, a3);
        wasm_v128_store(o0 + o + 4, b0), wasm_v128_store(o1 + o + 4, b1), wasm_v128_store(o2 + o + 4, b2), wasm_v128_store(o3 + o + 4, b3);
      }
      for (; o + 4 <= out_c; o += 4) {
        v128_t a0 = wasm_f32x4_splat(0), a1 = a0, a2 = a0, a3 = a0;
        TAPS_LOOP({
          const v128_t w0 = wasm_v128_load(wk);
          MAC(a0, wasm_f32x4_splat(p[c]), w0), MAC(a1, wasm_f32x4_splat(p[x_step + c]), w0);
          MAC(a2, wasm_f32x4_splat(p[2 * x_step + c]), w0), MAC(a3, wasm_f32x4_splat(p[3 * x_step + c]), w0);
        })
        wasm_v128_store(o0 + o, a0), wasm_v128_store(o1 + o, a1), wasm_v128_store(o2 + o, a2), wasm_v128_store(o3 + o, a3);
      }
      // The last out_c % 4 channels (LeNet's 6 leave 2): a vector holds the 4 positions of one channel.
      for (; o < out_c; o++) {
        v128_t a0 = wasm_f32x4_splat(0);
        TAPS_LOOP({ MAC(a0, wasm_f32x4_make(p[c], p[x_step + c], p[2 * x_step + c], p[3 * x_step + c]), wasm_v128_load32_splat(wk)); })
        o0[o] = wasm_f32x4_extract_lane(a0, 0), o1[o] = wasm_f32x4_extract_lane(a0, 1);
        o2[o] = wasm_f32x4_extract_lane(a0, 2), o3[o] = wasm_f32x4_extract_lane(a0, 3);
      }
    }
    for (; x < out_w; x++) {
      const float *corner = row_corner + x * x_step;
      float *o0 = out_row + x * out_c;
      int o = 0;
      for (; o + 8 <= out_c; o += 8) {
        v128_t a0 = wasm_f32x4_splat(0), b0 = a0;
        TAPS_LOOP({
          const v128_t p0 = wasm_f32x4_splat(p[c]);
          MAC(a0, p0, wasm_v128_load(wk)), MAC(b0, p0, wasm_v128_load(wk + 4));
        })
        wasm_v128_store(o0 + o, a0), wasm_v128_store(o0 + o + 4, b0);
      }
      for (; o + 4 <= out_c; o += 4) {
        v128_t a0 = wasm_f32x4_splat(0);
        TAPS_LOOP({ MAC(a0, wasm_f32x4_splat(p[c]), wasm_v128_load(wk)); })
        wasm_v128_store(o0 + o, a0);
      }
      for (; o < out_c; o++) {
        float s0 = 0;
        TAPS_LOOP({ s0 += p[c] * *wk; })
        o0[o] = s0;
      }
    }
  }
}

// The same convolution into few output channels (out_c < 8, such as the input gradient of a conv
// from 6 channels) over an input with in_c a multiple of 4: the channel blocks above would leave
// most lanes to the scalar-gathered tail, so here the vector runs along the input channels instead,
// which lie next to each other: each output (position, channel) sums 4 channels per lane, 2 positions
// × out_c accumulators at a time, and its 4 lanes are added at the end. wt is the filter transposed
// to [out_c, fh, fw, in_c], so a channel's taps are contiguous too.
static inline float lanes_sum(v128_t v) {
  return (wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1)) + (wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3));
}

#define NARROW_TAPS(...)                                                                                         \
  for (int i = 0; i < filter_h; i++) {                                                                           \
    const float *p = corner + i * padded_w * in_c;                                                               \
    const float *wi = wt + i * row_taps;                                                                         \
    for (int c = 0; c < row_taps; c += 4) {                                                                      \
      __VA_ARGS__                                                                                                \
    }                                                                                                            \
  }

#define NARROW_CHANNELS(N)                                                                                       \
  case N: {                                                                                                      \
    int x = 0;                                                                                                   \
    for (; x + 2 <= out_w; x += 2) {                                                                             \
      const float *corner = row_corner + x * x_step;                                                             \
      v128_t a[N], b[N];                                                                                         \
      for (int k = 0; k < N; k++) a[k] = b[k] = wasm_f32x4_splat(0);                                            \
      NARROW_TAPS({                                                                                              \
        const v128_t x0 = wasm_v128_load(p + c), x1 = wasm_v128_load(p + x_step + c);                            \
        for (int k = 0; k < N; k++) {                                                                            \
          const v128_t w = wasm_v128_load(wi + k * taps + c);                                                    \
          MAC(a[k], x0, w), MAC(b[k], x1, w);                                                                    \
        }                                                                                                        \
      })                                                                                                         \
      float *o0 = out_row + x * out_c;                                                                           \
      for (int k = 0; k < N; k++) o0[k] = lanes_sum(a[k]), o0[out_c + k] = lanes_sum(b[k]);                      \
    }                                                                                                            \
    for (; x < out_w; x++) {                                                                                     \
      const float *corner = row_corner + x * x_step;                                                             \
      v128_t a[N];                                                                                               \
      for (int k = 0; k < N; k++) a[k] = wasm_f32x4_splat(0);                                                    \
      NARROW_TAPS({                                                                                              \
        const v128_t x0 = wasm_v128_load(p + c);                                                                 \
        for (int k = 0; k < N; k++) MAC(a[k], x0, wasm_v128_load(wi + k * taps + c));                            \
      })                                                                                                         \
      for (int k = 0; k < N; k++) out_row[x * out_c + k] = lanes_sum(a[k]);                                      \
    }                                                                                                            \
    break;                                                                                                       \
  }

void EXPORT(conv2d_forward_narrow)(const float *x_padded, const float *wt, float *out, int batch, int padded_h, int padded_w, int in_c,
                                   int out_h, int out_w, int out_c, int filter_h, int filter_w, int stride_h, int stride_w) {
  const int x_step = stride_w * in_c, row_taps = filter_w * in_c, taps = filter_h * row_taps;
  for (int row = 0; row < batch * out_h; row++) {
    const int b = row / out_h, y = row % out_h;
    const float *row_corner = x_padded + ((b * padded_h + y * stride_h) * padded_w) * in_c;
    float *out_row = out + row * out_w * out_c;
    switch (out_c) {
      NARROW_CHANNELS(1)
      NARROW_CHANNELS(2)
      NARROW_CHANNELS(3)
      NARROW_CHANNELS(4)
      NARROW_CHANNELS(5)
      NARROW_CHANNELS(6)
      NARROW_CHANNELS(7)
      default:
        break;
    }
  }
}
