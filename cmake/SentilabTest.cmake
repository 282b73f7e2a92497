# sentilab_add_test(NAME <tst_x> SOURCES <files...> LABELS <labels...> [INTERNAL] [TIMEOUT s])
# One Qt Test executable per suite, registered with ctest. INTERNAL suites may include core's
# torch-using private headers (core/src); they compile with QT_NO_KEYWORDS so that Qt's
# `signals`/`slots` macros cannot break LibTorch headers.
function(sentilab_add_test)
  cmake_parse_arguments(T "INTERNAL" "NAME;TIMEOUT" "SOURCES;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  sentilab_set_warnings(${T_NAME})
  target_include_directories(${T_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/tests/common)
  target_link_libraries(${T_NAME} PRIVATE sentilab_core Qt6::Test)
  if(T_INTERNAL)
    target_link_libraries(${T_NAME} PRIVATE sentilab_core_internal)
  endif()
  add_test(NAME ${T_NAME} COMMAND ${T_NAME})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 600)
  endif()
  set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "SENTILAB_SHARED_DIR=${SENTILAB_SHARED_DIR};QT_QPA_PLATFORM=offscreen;OMP_WAIT_POLICY=PASSIVE")
endfunction()

# sentilab_add_ui_test(NAME <tst_x> SOURCES <files...> [LABELS ...]): a Qt Test suite over
# sentilab_ui, run on the offscreen platform with its own temporary settings and database.
function(sentilab_add_ui_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;LABELS" ${ARGN})
  if(NOT T_LABELS)
    set(T_LABELS ui)
  endif()
  sentilab_add_test(NAME ${T_NAME} SOURCES ${T_SOURCES} LABELS ${T_LABELS} TIMEOUT 600)
  target_link_libraries(${T_NAME} PRIVATE sentilab_ui QCustomPlotQt6::QCustomPlotQt6)
  target_compile_definitions(${T_NAME} PRIVATE SENTILAB_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
endfunction()
