// Runs the built jpegopt binary (or any command) and captures its exit status and output.
#pragma once

#include <string>
#include <vector>

namespace jpegopt::test {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs the jpegopt binary with `args` (each argument is shell-quoted), feeding `stdin_path` when
// not empty.
CommandResult run_jpegopt(const std::vector<std::string>& args, const std::string& stdin_path = "");

// Runs a shell command line as it is.
CommandResult run_shell(const std::string& command_line);

// Quotes one argument for /bin/sh.
std::string shell_quote(const std::string& arg);

}  // namespace jpegopt::test
