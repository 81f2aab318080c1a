# CLI test: `convnet summary` prints seed model A's summary as JSON, and a bad file is a clear
# error with exit code 1 (not a crash). Run by ctest with -DCONVNET=... -DFIXTURES=...
execute_process(COMMAND ${CONVNET} summary ${FIXTURES}/model-a.json
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "convnet summary failed (${rc}): ${err}")
endif()
string(JSON total GET "${out}" total_params)
string(JSON n LENGTH "${out}" layers)
string(JSON first_class GET "${out}" layers 2 class_name)
if(NOT total EQUAL 297697 OR NOT n EQUAL 18 OR NOT first_class STREQUAL "Conv2D")
  message(FATAL_ERROR "unexpected summary: total=${total} layers=${n} third=${first_class}\n${out}")
endif()

execute_process(COMMAND ${CONVNET} summary ${FIXTURES}/bad-unknown-layer.json
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 1 OR NOT err MATCHES "FancyConv2D")
  message(FATAL_ERROR "expected a clear error for an unknown layer, got rc=${rc}: ${err}")
endif()
message(STATUS "convnet CLI: 2 passed, 0 failed")
