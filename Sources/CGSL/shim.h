/* Only GSL parts that do not pull in gsl_cblas.h: it clashes with OpenBLAS's cblas.h. */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_statistics_double.h>
#include <gsl/gsl_sort_double.h>
