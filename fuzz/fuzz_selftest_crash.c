/* A fuzz target that crashes on its first input. It exists only so that
 * tests/selftest/fuzz_runner.sh can prove fuzz/run_fuzz.sh fails when a fuzzer crashes. */
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	volatile int *nowhere = NULL;

	(void)data;
	(void)size;
	*nowhere = 1;
	return 0;
}
