#ifndef GANEVAL_ZIPCODEC_H
#define GANEVAL_ZIPCODEC_H

#include <stddef.h>
#include <stdint.h>

/* Inflates a raw deflate stream (RFC 1951, no zlib or gzip wrapper: a .zip member's data) into
   out[0 ..< capacity), never writing past it whatever the stream claims.
   Returns 0 when the stream ended within capacity (*produced bytes written), 1 when the output is
   full and the stream would give more, -1 when the stream is damaged or ends early (a reason in
   err). *consumed is the number of input bytes the stream used. */
int gezip_inflate_raw(const unsigned char *data, size_t size, unsigned char *out, size_t capacity,
                      size_t *produced, size_t *consumed, char *err, size_t errlen);

/* zlib's CRC-32 (the one .zip members carry) of size bytes. */
uint32_t gezip_crc32(const unsigned char *data, size_t size);

#endif
