#ifndef GANEVAL_PNGCODEC_H
#define GANEVAL_PNGCODEC_H

#include <stddef.h>
#include <stdint.h>

#include "FileSwap.h"

/* A decoded image as values in [0,1], plus what the file was. */
typedef struct {
  uint32_t width;
  uint32_t height;
  int source_bit_depth; /* bit depth in the file (1, 2, 4, 8 or 16) */
  int source_color_type; /* PNG colour type in the file (0 gray, 2 RGB, 3 palette, 4 GA, 6 RGBA) */
  int interlaced;
  int channels;  /* 1 (gray) or 3 (RGB, interleaved) */
  float *values; /* width*height*channels values, row-major; free with gepng_free */
} gepng_image;

/* Decodes a PNG held in memory. With keep_color = 0, colour becomes ITU-R 601 luma exactly as
   Pillow's "L" for 8-bit samples. With keep_color = 1, colour files (RGB, RGBA, and palettes with
   any non-gray entry) stay RGB (3 channels); gray files, gray palettes and gray+alpha stay gray.
   16-bit samples keep full precision (/65535). Alpha and tRNS are ignored, as Pillow's convert()
   to "L" or "RGB" does. Returns 0 on success; otherwise writes a reason into err and returns -1.
   Never longjmps into the caller. */
int gepng_decode(const unsigned char *data, size_t size, uint64_t max_pixels, int keep_color,
                 gepng_image *out, char *err, size_t errlen);
void gepng_free(gepng_image *img);

/* Encodes 8-bit samples (channels 1 = gray, 3 = RGB, 4 = RGBA) as a PNG in memory.
   *out is malloc'd; free with gepng_free_buffer. Returns 0 or -1 with a reason in err. */
int gepng_encode(const unsigned char *pixels, uint32_t width, uint32_t height, int channels,
                 int compression_level, unsigned char **out, size_t *outlen, char *err,
                 size_t errlen);
void gepng_free_buffer(unsigned char *buffer);

/* Inflates a gzip (one or more members) or zlib stream held in memory, never holding more than
   max_output + 1 bytes. Returns 0 when the whole stream fitted; 1 when it holds more than
   max_output bytes (*out then holds the first max_output); -1 with a reason in err when it is
   corrupt or truncated; -2 with the 1-based line number in *outlen when max_line > 0 and a line
   runs past max_line bytes without '\n'.
   *out is malloc'd; free with gepng_free_buffer. */
int gepng_gunzip(const unsigned char *data, size_t size, size_t max_output, size_t max_line,
                 unsigned char **out, size_t *outlen, char *err, size_t errlen);

/* Compresses bytes as one gzip member at zlib level 0-9. */
int gepng_gzip(const unsigned char *data, size_t size, int level, unsigned char **out,
               size_t *outlen, char *err, size_t errlen);

#endif
