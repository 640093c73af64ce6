#include "PNGCodec.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

typedef struct {
  jmp_buf jump;
  char *err;
  size_t errlen;
  const unsigned char *data;
  size_t size;
  size_t pos;
} reader_state;

/* libpng's words for a checksum fault, with the checksum named so the two cannot be confused. */
static void explain(char *out, size_t outlen, const char *message) {
  if (strstr(message, "CRC error"))
    snprintf(out, outlen, "%s (a chunk's stored CRC-32 does not match its bytes: the file is damaged)", message);
  else if (strstr(message, "incorrect data check"))
    snprintf(out, outlen, "%s (the compressed pixel data fails its Adler-32 checksum: the file is damaged)", message);
  else
    snprintf(out, outlen, "%s", message);
}

static void on_error(png_structp png, png_const_charp message) {
  reader_state *state = (reader_state *)png_get_error_ptr(png);
  explain(state->err, state->errlen, message);
  longjmp(state->jump, 1);
}

static void on_warning(png_structp png, png_const_charp message) {
  (void)png;
  (void)message; /* ancillary-chunk warnings do not change the pixels */
}

static void read_from_memory(png_structp png, png_bytep into, png_size_t length) {
  reader_state *state = (reader_state *)png_get_io_ptr(png);
  if (state->size - state->pos < length) {
    char message[160];
    snprintf(message, sizeof(message), "file is truncated (reading %zu bytes at offset %zu, %zu remain)",
             (size_t)length, state->pos, state->size - state->pos);
    png_error(png, message);
  }
  memcpy(into, state->data + state->pos, length);
  state->pos += length;
}

/* Pillow's L24: ITU-R 601 luma in 16.16 fixed point, rounded. */
static inline unsigned luma8(unsigned r, unsigned g, unsigned b) {
  return (r * 19595u + g * 38470u + b * 7471u + 0x8000u) >> 16;
}

int gepng_decode(const unsigned char *data, size_t size, uint64_t max_pixels, int keep_color,
                 gepng_image *out, char *err, size_t errlen) {
  memset(out, 0, sizeof(*out));
  if (size < 8 || png_sig_cmp((png_const_bytep)data, 0, 8) != 0) {
    snprintf(err, errlen, "not a PNG file (bad signature)");
    return -1;
  }
  reader_state state = {.err = err, .errlen = errlen, .data = data, .size = size, .pos = 0};
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &state, on_error, on_warning);
  if (!png) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  png_infop info = png_create_info_struct(png);
  /* volatile: these change between setjmp and a longjmp back to it */
  unsigned char *volatile raw = NULL;
  png_bytep *volatile rows = NULL;
  float *volatile values = NULL;
  if (!info || setjmp(state.jump)) {
    if (!info) snprintf(err, errlen, "out of memory");
    free(raw);
    free(rows);
    free(values);
    png_destroy_read_struct(&png, info ? &info : NULL, NULL);
    return -1;
  }
  png_set_read_fn(png, &state, read_from_memory);
  /* Pixels are all we read: skip every ancillary chunk (text, ICC profiles, EXIF, ...). libpng
     would otherwise inflate or copy them, and a hostile file can make that allocate 1 GB
     (found by fuzzing: fuzz/regressions/png). */
  png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, NULL, 0);
  static const png_byte ignored[] =
      "bKGD\0cHRM\0eXIf\0gAMA\0hIST\0iCCP\0iTXt\0oFFs\0pCAL\0pHYs\0sBIT\0sCAL\0sPLT\0sRGB\0tEXt\0tIME\0zTXt";
  png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, ignored, (int)(sizeof(ignored) / 5));
  png_set_user_limits(png, 1u << 24, 1u << 24);
  png_set_chunk_malloc_max(png, 64u << 20);
  png_read_info(png, info);

  png_uint_32 width = png_get_image_width(png, info);
  png_uint_32 height = png_get_image_height(png, info);
  int bit_depth = png_get_bit_depth(png, info);
  int color_type = png_get_color_type(png, info);
  int interlace = png_get_interlace_type(png, info);
  if ((uint64_t)width * (uint64_t)height > max_pixels) {
    snprintf(err, errlen, "image is %ux%u pixels, above the limit of %llu pixels", width, height,
             (unsigned long long)max_pixels);
    png_destroy_read_struct(&png, &info, NULL);
    return -1;
  }
  /* a palette whose entries are all gray is a gray image */
  int gray_palette = 0;
  if (color_type == PNG_COLOR_TYPE_PALETTE) {
    png_colorp palette = NULL;
    int entries = 0;
    if (png_get_PLTE(png, info, &palette, &entries) && palette) {
      gray_palette = 1;
      for (int i = 0; i < entries; i++)
        if (palette[i].red != palette[i].green || palette[i].green != palette[i].blue) gray_palette = 0;
    }
    png_set_palette_to_rgb(png);
  }
  if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (bit_depth == 16) png_set_swap(png); /* native little-endian uint16 */
  png_set_interlace_handling(png);
  png_read_update_info(png, info);

  int channels = png_get_channels(png, info);
  int depth = png_get_bit_depth(png, info);
  size_t rowbytes = png_get_rowbytes(png, info);
  size_t pixels = (size_t)width * height;
  int colour = channels >= 3; /* RGB or RGBA after palette expansion */
  int rgb = keep_color && colour && !gray_palette;
  int out_channels = rgb ? 3 : 1;
  raw = malloc(rowbytes * height);
  rows = malloc(sizeof(png_bytep) * height);
  values = malloc(sizeof(float) * (pixels ? pixels * out_channels : 1));
  if (!raw || !rows || !values) png_error(png, "out of memory");
  for (png_uint_32 y = 0; y < height; y++) rows[y] = raw + y * rowbytes;
  png_read_image(png, rows);

  for (png_uint_32 y = 0; y < height; y++) {
    float *dst = values + (size_t)y * width * out_channels;
    if (depth == 8) {
      const unsigned char *src = rows[y];
      if (rgb) {
        for (png_uint_32 x = 0; x < width; x++, src += channels, dst += 3) {
          dst[0] = (float)src[0] / 255.0f;
          dst[1] = (float)src[1] / 255.0f;
          dst[2] = (float)src[2] / 255.0f;
        }
      } else if (colour) {
        for (png_uint_32 x = 0; x < width; x++, src += channels)
          dst[x] = (float)luma8(src[0], src[1], src[2]) / 255.0f;
      } else {
        for (png_uint_32 x = 0; x < width; x++, src += channels) dst[x] = (float)src[0] / 255.0f;
      }
    } else {
      const uint16_t *src = (const uint16_t *)rows[y];
      if (rgb) {
        for (png_uint_32 x = 0; x < width; x++, src += channels, dst += 3) {
          dst[0] = (float)((double)src[0] / 65535.0);
          dst[1] = (float)((double)src[1] / 65535.0);
          dst[2] = (float)((double)src[2] / 65535.0);
        }
      } else if (colour) {
        for (png_uint_32 x = 0; x < width; x++, src += channels)
          dst[x] = (float)(((double)src[0] * 19595.0 + (double)src[1] * 38470.0 +
                            (double)src[2] * 7471.0) / (65536.0 * 65535.0));
      } else {
        for (png_uint_32 x = 0; x < width; x++, src += channels)
          dst[x] = (float)((double)src[0] / 65535.0);
      }
    }
  }
  free(raw);
  free(rows);
  png_destroy_read_struct(&png, &info, NULL);
  out->width = width;
  out->height = height;
  out->source_bit_depth = bit_depth;
  out->source_color_type = color_type;
  out->interlaced = interlace != PNG_INTERLACE_NONE;
  out->channels = out_channels;
  out->values = values;
  return 0;
}

void gepng_free(gepng_image *img) {
  if (img) {
    free(img->values);
    img->values = NULL;
  }
}

typedef struct {
  jmp_buf jump;
  char *err;
  size_t errlen;
  unsigned char *buffer;
  size_t length;
  size_t capacity;
} writer_state;

static void on_write_error(png_structp png, png_const_charp message) {
  writer_state *state = (writer_state *)png_get_error_ptr(png);
  snprintf(state->err, state->errlen, "%s", message);
  longjmp(state->jump, 1);
}

static void on_write_warning(png_structp png, png_const_charp message) {
  (void)png;
  (void)message;
}

static void write_to_memory(png_structp png, png_bytep bytes, png_size_t length) {
  writer_state *state = (writer_state *)png_get_io_ptr(png);
  if (state->length + length > state->capacity) {
    size_t capacity = state->capacity ? state->capacity : 1024;
    while (capacity < state->length + length) capacity *= 2;
    unsigned char *grown = realloc(state->buffer, capacity);
    if (!grown) png_error(png, "out of memory");
    state->buffer = grown;
    state->capacity = capacity;
  }
  memcpy(state->buffer + state->length, bytes, length);
  state->length += length;
}

static void flush_nothing(png_structp png) { (void)png; }

int gepng_encode(const unsigned char *pixels, uint32_t width, uint32_t height, int channels,
                 int compression_level, unsigned char **out, size_t *outlen, char *err,
                 size_t errlen) {
  *out = NULL;
  *outlen = 0;
  int color_type = channels == 1   ? PNG_COLOR_TYPE_GRAY
                   : channels == 3 ? PNG_COLOR_TYPE_RGB
                   : channels == 4 ? PNG_COLOR_TYPE_RGBA
                                   : -1;
  if (color_type < 0 || width == 0 || height == 0) {
    snprintf(err, errlen, "cannot encode %ux%u image with %d channels", width, height, channels);
    return -1;
  }
  writer_state state = {.err = err, .errlen = errlen};
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &state, on_write_error, on_write_warning);
  if (!png) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  png_infop info = png_create_info_struct(png);
  if (!info || setjmp(state.jump)) {
    if (!info) snprintf(err, errlen, "out of memory");
    free(state.buffer);
    png_destroy_write_struct(&png, info ? &info : NULL);
    return -1;
  }
  png_set_write_fn(png, &state, write_to_memory, flush_nothing);
  png_set_compression_level(png, compression_level);
  /* zlib's default hash tables (memLevel 8) cost more to set up than a small image costs to
     compress; scale them with the image so tens of thousands of small files write quickly. */
  size_t bytes = (size_t)width * height * channels;
  png_set_compression_mem_level(png, bytes <= 4096 ? 3 : bytes <= 65536 ? 5 : 8);
  png_set_IHDR(png, info, width, height, 8, color_type, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (uint32_t y = 0; y < height; y++)
    png_write_row(png, (png_const_bytep)(pixels + (size_t)y * width * channels));
  png_write_end(png, info);
  png_destroy_write_struct(&png, &info);
  *out = state.buffer;
  *outlen = state.length;
  return 0;
}

void gepng_free_buffer(unsigned char *buffer) { free(buffer); }

/* Appends what inflate produced to the line-length watch; returns 0, or -1 once a run of more than
   max_line bytes without a newline is seen. */
static int watch_lines(const unsigned char *bytes, size_t count, size_t max_line, size_t *run,
                       size_t *line) {
  for (size_t i = 0; i < count; i++) {
    if (bytes[i] == '\n') {
      *run = 0;
      (*line)++;
    } else if (++*run > max_line) {
      return -1;
    }
  }
  return 0;
}

int gepng_gunzip(const unsigned char *data, size_t size, size_t max_output, size_t max_line,
                 unsigned char **out, size_t *outlen, char *err, size_t errlen) {
  *out = NULL;
  *outlen = 0;
  z_stream zs;
  memset(&zs, 0, sizeof(zs));
  if (inflateInit2(&zs, 15 + 32) != Z_OK) { /* +32: detect gzip or zlib header */
    snprintf(err, errlen, "zlib could not start");
    return -1;
  }
  /* One byte past the limit tells "exactly max_output" from "more than max_output". */
  size_t hard_limit = max_output == SIZE_MAX ? SIZE_MAX : max_output + 1;
  size_t capacity = size < (1u << 20) ? (1u << 16) : size * 2, length = 0;
  if (capacity > hard_limit) capacity = hard_limit;
  unsigned char *buffer = malloc(capacity ? capacity : 1);
  size_t run = 0, line = 1;
  int status = Z_OK, result = -1;
  zs.next_in = (Bytef *)data;
  if (!buffer) snprintf(err, errlen, "out of memory while decompressing");
  while (buffer) {
    if (length == capacity) {
      if (capacity >= hard_limit) {
        result = 1;
        break;
      }
      size_t grown_capacity = capacity > hard_limit / 2 ? hard_limit : capacity * 2;
      unsigned char *grown = realloc(buffer, grown_capacity);
      if (!grown) {
        snprintf(err, errlen, "out of memory while decompressing (%zu bytes so far)", length);
        break;
      }
      buffer = grown;
      capacity = grown_capacity;
    }
    size_t remaining_in = size - (size_t)((const unsigned char *)zs.next_in - data);
    zs.avail_in = remaining_in > 0x40000000u ? 0x40000000u : (uInt)remaining_in;
    size_t room = capacity - length;
    zs.next_out = buffer + length;
    zs.avail_out = room > 0x40000000u ? 0x40000000u : (uInt)room;
    uInt before = zs.avail_out;
    status = inflate(&zs, Z_NO_FLUSH);
    size_t produced = before - zs.avail_out;
    if (max_line && watch_lines(buffer + length, produced, max_line, &run, &line) != 0) {
      snprintf(err, errlen, "line %zu is longer than %zu bytes", line, max_line);
      result = -2;
      break;
    }
    length += produced;
    if (status == Z_STREAM_END) {
      /* RFC 1952: a gzip file may hold several members one after another. */
      size_t left = size - (size_t)((const unsigned char *)zs.next_in - data);
      if (left >= 2 && zs.next_in[0] == 0x1f && zs.next_in[1] == 0x8b && inflateReset(&zs) == Z_OK) continue;
      result = 0;
      break;
    }
    if (status == Z_BUF_ERROR && zs.avail_in == 0 && zs.avail_out > 0) {
      snprintf(err, errlen, "compressed stream is truncated");
      break;
    }
    if (status != Z_OK && status != Z_BUF_ERROR) {
      snprintf(err, errlen, "corrupt compressed stream (%s)", zs.msg ? zs.msg : "zlib error");
      break;
    }
  }
  inflateEnd(&zs);
  if (result < 0) {
    free(buffer);
    if (result == -2) *outlen = line;
    return result;
  }
  *out = buffer;
  *outlen = length > max_output ? max_output : length;
  return result;
}

int gepng_gzip(const unsigned char *data, size_t size, int level, unsigned char **out,
               size_t *outlen, char *err, size_t errlen) {
  *out = NULL;
  *outlen = 0;
  z_stream zs;
  memset(&zs, 0, sizeof(zs));
  if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    snprintf(err, errlen, "zlib could not start");
    return -1;
  }
  size_t capacity = deflateBound(&zs, size > 0xffffffffu ? 0xffffffffu : (uLong)size) + 64;
  if (size > 0xffffffffu) capacity = size + size / 1000 + 1024;
  unsigned char *buffer = malloc(capacity);
  if (!buffer) {
    deflateEnd(&zs);
    snprintf(err, errlen, "out of memory while compressing");
    return -1;
  }
  zs.next_in = (Bytef *)data;
  size_t length = 0;
  int status = Z_OK;
  while (status == Z_OK) {
    size_t remaining_in = size - (size_t)((const unsigned char *)zs.next_in - data);
    zs.avail_in = remaining_in > 0x40000000u ? 0x40000000u : (uInt)remaining_in;
    size_t room = capacity - length;
    zs.next_out = buffer + length;
    zs.avail_out = room > 0x40000000u ? 0x40000000u : (uInt)room;
    uInt before = zs.avail_out;
    status = deflate(&zs, remaining_in > zs.avail_in ? Z_NO_FLUSH : Z_FINISH);
    length += before - zs.avail_out;
    if (status == Z_OK && length == capacity) {
      unsigned char *grown = realloc(buffer, capacity * 2);
      if (!grown) break;
      buffer = grown;
      capacity *= 2;
    }
  }
  deflateEnd(&zs);
  if (status != Z_STREAM_END) {
    free(buffer);
    snprintf(err, errlen, "compression failed");
    return -1;
  }
  *out = buffer;
  *outlen = length;
  return 0;
}
