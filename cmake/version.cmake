# The version is written once, in include/smartpower/core/version.hpp (the C++ reads it
# there). This sets SMARTPOWER_VERSION from it, for project() of the library (the top
# CMakeLists.txt) and of the WebAssembly build (web/CMakeLists.txt).
file(STRINGS ${CMAKE_CURRENT_LIST_DIR}/../include/smartpower/core/version.hpp SMARTPOWER_VERSION_LINE
     REGEX "^#define SMARTPOWER_VERSION \"[0-9]+\\.[0-9]+\\.[0-9]+\"$")
string(REGEX MATCH "[0-9]+\\.[0-9]+\\.[0-9]+" SMARTPOWER_VERSION "${SMARTPOWER_VERSION_LINE}")
if(NOT SMARTPOWER_VERSION)
  message(FATAL_ERROR "include/smartpower/core/version.hpp: no line #define SMARTPOWER_VERSION \"MAJOR.MINOR.PATCH\"")
endif()
