// doctest entry point for every suite (native, wasm st, wasm mt): `nn_tests_<variant> -tc=<case>`.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
