#ifndef GANEVAL_CFUZZER_H
#define GANEVAL_CFUZZER_H
#include <stddef.h>
#include <stdint.h>

/* libFuzzer's driver, for programs that keep their own main (SwiftPM executables do). */
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*one_input)(const uint8_t *data, size_t size));

#endif
