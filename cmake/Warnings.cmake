# jpegopt_warnings: an INTERFACE target carrying the warning flags for our own code only
# (third-party headers are included as system headers and stay quiet).
add_library(jpegopt_warnings INTERFACE)
target_compile_options(jpegopt_warnings INTERFACE
  -Wall -Wextra -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
  -Wpedantic -Wimplicit-fallthrough
  $<$<BOOL:${JPEGOPT_WERROR}>:-Werror>)
