#include "ZipCodec.h"

#include <stdio.h>
#include <string.h>
#include <zlib.h>

/* zlib counts in uInt: feed and drain at most this much per call so sizes above 4 GiB work. */
#define CHUNK ((size_t)1 << 30)

int gezip_inflate_raw(const unsigned char *data, size_t size, unsigned char *out, size_t capacity,
                      size_t *produced, size_t *consumed, char *err, size_t errlen) {
  *produced = 0;
  *consumed = 0;
  z_stream stream;
  memset(&stream, 0, sizeof(stream));
  if (inflateInit2(&stream, -15) != Z_OK) { /* negative window bits: raw deflate */
    snprintf(err, errlen, "cannot start zlib (out of memory)");
    return -1;
  }
  size_t in_done = 0, out_done = 0;
  int status = Z_OK;
  for (;;) {
    size_t in_left = size - in_done, out_left = capacity - out_done;
    stream.next_in = (Bytef *)(data + in_done);
    stream.avail_in = (uInt)(in_left < CHUNK ? in_left : CHUNK);
    stream.next_out = out + out_done;
    stream.avail_out = (uInt)(out_left < CHUNK ? out_left : CHUNK);
    uInt in_before = stream.avail_in, out_before = stream.avail_out;
    status = inflate(&stream, Z_NO_FLUSH);
    in_done += in_before - stream.avail_in;
    out_done += out_before - stream.avail_out;
    if (status == Z_STREAM_END) break;
    if (status == Z_NEED_DICT || status == Z_DATA_ERROR || status == Z_MEM_ERROR || status == Z_STREAM_ERROR) {
      snprintf(err, errlen, "damaged deflate data (%s)", stream.msg ? stream.msg : "zlib error");
      inflateEnd(&stream);
      return -1;
    }
    if (out_done == capacity) {
      /* full: one more byte tells whether the stream holds more */
      unsigned char probe;
      stream.next_in = (Bytef *)(data + in_done);
      stream.avail_in = (uInt)((size - in_done) < CHUNK ? (size - in_done) : CHUNK);
      stream.next_out = &probe;
      stream.avail_out = 1;
      uInt probe_in = stream.avail_in;
      status = inflate(&stream, Z_NO_FLUSH);
      in_done += probe_in - stream.avail_in;
      if (status == Z_STREAM_END && stream.avail_out == 1) break;
      *produced = out_done;
      *consumed = in_done;
      inflateEnd(&stream);
      if (stream.avail_out == 0) return 1;
      snprintf(err, errlen, "damaged deflate data (%s)", stream.msg ? stream.msg : "stream ends early");
      return -1;
    }
    if (status == Z_BUF_ERROR) { /* no progress with room to write: the input ran out */
      snprintf(err, errlen, "deflate data ends early (after %zu bytes in, %zu out)", in_done, out_done);
      inflateEnd(&stream);
      return -1;
    }
  }
  *produced = out_done;
  *consumed = in_done;
  inflateEnd(&stream);
  return 0;
}

uint32_t gezip_crc32(const unsigned char *data, size_t size) {
  uLong crc = crc32(0L, Z_NULL, 0);
  while (size > 0) {
    uInt n = (uInt)(size < CHUNK ? size : CHUNK);
    crc = crc32(crc, data, n);
    data += n;
    size -= n;
  }
  return (uint32_t)crc;
}
