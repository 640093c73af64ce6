#include <cblas.h>

/* Debian's OpenBLAS carries LAPACK but no LAPACKE header: Fortran prototypes, column-major,
   every argument by pointer. */
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
             double *w, double *work, const int *lwork, int *iwork, const int *liwork, int *info);
void ssyevd_(const char *jobz, const char *uplo, const int *n, float *a, const int *lda,
             float *w, float *work, const int *lwork, int *iwork, const int *liwork, int *info);

/* OpenBLAS's own: stops its worker threads (they start when the library loads and spin for a
   while waiting for work); a later multi-threaded call starts them again. Not public API, and
   absent from single-threaded OpenBLAS builds: weak, called only if present. */
int blas_thread_shutdown_(void) __attribute__((weak));
static inline void gan_eval_stop_idle_blas_threads(void) {
  if (blas_thread_shutdown_) blas_thread_shutdown_();
}
