# Included from the top-level CMakeLists.txt when HOOKAUTH_FUZZ is ON, before src/ is added, so
# every hookauth library is built with libFuzzer's coverage instrumentation, ASan and UBSan.
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "HOOKAUTH_FUZZ needs clang (configure with CC=clang-19 CXX=clang++-19)")
endif()
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
                    -fno-omit-frame-pointer)
# Executables other than the fuzz targets (hookauth, unit_tests) link the sanitizer runtimes.
add_link_options(-fsanitize=address,undefined)
enable_testing()
add_subdirectory(${CMAKE_CURRENT_LIST_DIR} ${CMAKE_BINARY_DIR}/tests/fuzz)
