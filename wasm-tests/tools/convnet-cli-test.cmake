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

# Issue 12: bad option values name the option, the value and the rule (exit 2); a model too
# large for memory is a clear error (exit 1), not std::bad_alloc's abort (exit 134).
foreach(args "--epochs;abc" "--threads;abc" "--epochs;-3" "--threads;0" "--epochs;5x")
  list(GET args 0 option)
  list(GET args 1 value)
  execute_process(COMMAND ${CONVNET} demo ${FIXTURES}/model-a.json ${option} ${value}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 2 OR NOT err MATCHES "${option} '${value}' is not valid: it must be a whole number from")
    message(FATAL_ERROR "expected ${option} ${value} to be rejected, got rc=${rc}: ${err}${out}")
  endif()
endforeach()
file(READ ${FIXTURES}/model-a.json model_a)
string(REPLACE "[null, 32, 32, 3]" "[null, 4096, 4096, 3]" model_huge "${model_a}")
set(huge ${CMAKE_CURRENT_BINARY_DIR}/model-a-4096.json)
file(WRITE ${huge} "${model_huge}")
execute_process(COMMAND ${CONVNET} demo ${huge} --epochs 1 RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 1 OR NOT err MATCHES "convnet: model 'model_a' needs .* at batch 32 .*: (use a batch of at most|even a batch)")
  message(FATAL_ERROR "expected a clear out-of-memory error for a 4096x4096x3 model, got rc=${rc}: ${err}${out}")
endif()
message(STATUS "convnet CLI: 8 passed, 0 failed")
