#include <cstdio>
#include <string_view>
#include "jpegopt/version.hpp"
int main(int argc, char** argv) {
  if (argc > 1 && std::string_view(argv[1]) == "--version") std::printf("jpegopt %s\n", jpegopt::kVersion);
  else std::printf("Usage: jpegopt\n");
  return 0;
}
