/* Stands in for pgdrill and dies of SIGSEGV on every call, so that
 * tests/selftest/valgrind_runner.sh can prove tests/cli/run_valgrind.sh fails on a crash. */
#include <signal.h>

int main(void)
{
	raise(SIGSEGV);
	return 0;
}
