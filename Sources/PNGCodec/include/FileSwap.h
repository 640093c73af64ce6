#ifndef GANEVAL_FILESWAP_H
#define GANEVAL_FILESWAP_H

/* Exchanges two paths atomically (Linux renameat2 with RENAME_EXCHANGE): at every moment each
   name holds one complete version. Returns 0, or -1 with errno set (e.g. ENOSYS, EINVAL where the
   kernel or filesystem does not support it; the caller then falls back to two renames). */
int gefile_exchange(const char *a, const char *b);

#endif
