# Build options shared by our own targets only (never applied globally).
option(NOCTUA_WARNINGS_AS_ERRORS "Treat compiler warnings as errors" OFF)
option(NOCTUA_SANITIZE "Build with ASan+UBSan" OFF)
option(NOCTUA_TSAN "Build with TSan" OFF)
option(NOCTUA_FUZZ "Build the fuzz targets with libFuzzer, ASan and UBSan (clang; docs/fuzzing.md)" OFF)

find_program(NOCTUA_CCACHE ccache)
if(NOCTUA_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${NOCTUA_CCACHE})
endif()

add_library(noctua_warnings INTERFACE)
target_compile_options(noctua_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wnon-virtual-dtor -Wold-style-cast
  -Woverloaded-virtual -Wimplicit-fallthrough -Wformat=2)
# GCC 12 at -O2 warns -Wrestrict on `"literal" + std::string` inside std::string's own
# char_traits copy (GCC bug 105651): a false positive in the library, not in our
# code, which buries real warnings in every optimised build (Debug builds never see it).
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(noctua_warnings INTERFACE $<$<NOT:$<CONFIG:Debug>>:-Wno-restrict>)
endif()
if(NOCTUA_WARNINGS_AS_ERRORS)
  target_compile_options(noctua_warnings INTERFACE -Werror)
endif()

add_library(noctua_sanitizers INTERFACE)
if(NOCTUA_FUZZ)
  target_compile_options(noctua_sanitizers INTERFACE
    -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(noctua_sanitizers INTERFACE -fsanitize=address,undefined)
elseif(NOCTUA_SANITIZE)
  target_compile_options(noctua_sanitizers INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer)
  target_link_options(noctua_sanitizers INTERFACE -fsanitize=address,undefined)
elseif(NOCTUA_TSAN)
  target_compile_options(noctua_sanitizers INTERFACE -fsanitize=thread -fno-omit-frame-pointer)
  target_link_options(noctua_sanitizers INTERFACE -fsanitize=thread)
endif()

# noctua_add_library(<lib> SOURCES ... DEPS ... PRIVATE_DEPS ...)
# One library per folder: include/ is public, src/ is private.
function(noctua_add_library lib)
  cmake_parse_arguments(A "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(noctua_${lib} STATIC ${A_SOURCES})
  add_library(noctua::${lib} ALIAS noctua_${lib})
  target_include_directories(noctua_${lib} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
                                           PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_compile_features(noctua_${lib} PUBLIC cxx_std_23)
  target_link_libraries(noctua_${lib} PUBLIC ${A_DEPS} noctua_sanitizers
                                      PRIVATE ${A_PRIVATE_DEPS} noctua_warnings)
endfunction()
