// jpegopt's entry point: parse the command line, run the command, map the exit status.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "cli/info_command.hpp"
#include "jpegopt/version.hpp"

namespace {

constexpr int kExitUsage = 2;

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"jpegopt: make JPEG files smaller without losing what matters.", "jpegopt"};
  app.set_version_flag("-V,--version", std::string("jpegopt ") + jpegopt::kVersion);
  app.get_formatter()->column_width(30);
  app.require_subcommand(0, 1);
  app.footer(
      "Exit status: 0 success, 1 some file failed, 2 usage error.\n"
      "Documentation: docs/ in the source tree, or `man jpegopt`.");

  jpegopt::cli::InfoArgs info_args;
  auto* info =
      app.add_subcommand("info", "Show what is inside JPEG files: segments, metadata, tables");
  info->add_option("files", info_args.files, "JPEG files to inspect (- for standard input)")
      ->required();
  info->add_flag("--json", info_args.json, "One JSON object per file (docs/info-json.md)");
  info->add_flag("!--no-segments", info_args.segments, "Leave out the list of segments");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kExitUsage;
  }
  if (info->parsed()) return jpegopt::cli::run_info(info_args);
  std::fputs(app.help().c_str(), stdout);
  return 0;
}
