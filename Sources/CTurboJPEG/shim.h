/* libjpeg-turbo's TurboJPEG API (Debian: libturbojpeg0-dev). It reports errors as return values
   and owns libjpeg's setjmp internally, so Swift may call it directly. */
#include <turbojpeg.h>
