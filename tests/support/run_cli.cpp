#include "support/run_cli.hpp"

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>

#include "support/test_paths.hpp"

namespace jpegopt::test {

std::string shell_quote(const std::string& arg) {
  std::string out = "'";
  for (char c : arg) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

namespace {
std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}
}  // namespace

CommandResult run_shell(const std::string& command_line) {
  TempDir tmp;
  const auto out_path = tmp / "stdout";
  const auto err_path = tmp / "stderr";
  const std::string full = "( " + command_line + " ) >" + shell_quote(out_path.string()) + " 2>" +
                           shell_quote(err_path.string());
  const int status = std::system(full.c_str());
  CommandResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = slurp(out_path);
  result.err = slurp(err_path);
  return result;
}

CommandResult run_jpegopt(const std::vector<std::string>& args, const std::string& stdin_path) {
  std::ostringstream cmd;
  cmd << shell_quote(JPEGOPT_BINARY);
  for (const auto& arg : args)
    cmd << ' ' << shell_quote(arg);
  if (!stdin_path.empty()) cmd << " <" << shell_quote(stdin_path);
  return run_shell(cmd.str());
}

}  // namespace jpegopt::test
