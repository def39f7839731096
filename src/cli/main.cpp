// jpegopt's entry point: parse the command line, run the command, map the exit status.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "cli/args.hpp"
#include "cli/batch.hpp"
#include "cli/compare_command.hpp"
#include "cli/info_command.hpp"
#include "io/platform.hpp"
#include "jpegopt/version.hpp"

namespace {

constexpr int kExitUsage = 2;

int usage_error(const std::string& message) {
  std::fprintf(stderr, "jpegopt: %s\nRun 'jpegopt --help' for the options.\n", message.c_str());
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  jpegopt::platform::ignore_broken_pipe_signal();
  jpegopt::platform::keep_freed_memory();
  CLI::App app{
      "jpegopt: make JPEG files smaller without changing a pixel.\n"
      "With no command, optimizes each FILE losslessly in place.",
      "jpegopt"};
  app.set_version_flag("-V,--version", std::string("jpegopt ") + jpegopt::kVersion);
  app.get_formatter()->column_width(26);
  app.require_subcommand(0, 1);
  app.footer(
      "Exit status: 0 success, 1 some file failed, 2 usage error, 3 --check found files\n"
      "that would shrink.\n"
      "Documentation: docs/ in the source tree.");

  jpegopt::cli::OptimizeArgs optimize_args;
  jpegopt::cli::bind_optimize_args(app, optimize_args);

  jpegopt::cli::InfoArgs info_args;
  auto* info = app.add_subcommand("info", "Show segments, metadata and tables of JPEG files");
  info->add_option("files", info_args.files, "JPEG files to inspect (- for standard input)")
      ->required();
  info->add_flag("--json", info_args.json, "One JSON object per file (docs/info-json.md)");
  info->add_flag("!--no-segments", info_args.segments, "Leave out the list of segments");

  jpegopt::cli::CompareArgs compare_args;
  auto* compare = app.add_subcommand("compare", "PSNR, SSIM, max difference of two images");
  compare->add_option("a", compare_args.a, "First image")->required();
  compare->add_option("b", compare_args.b, "Second image")->required();
  compare->add_flag("--json", compare_args.json, "One JSON object (docs/cli.md)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kExitUsage;
  }
  if (info->parsed()) return jpegopt::cli::run_info(info_args);
  if (compare->parsed()) return jpegopt::cli::run_compare(compare_args);
  if (optimize_args.files.empty() && optimize_args.files_from.empty()) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  }
  try {
    const jpegopt::Options options = jpegopt::cli::to_options(optimize_args);
    if (options.target.any()) jpegopt::platform::reexec_with_huge_pages(argv);
    if (options.arithmetic && !optimize_args.quiet)
      std::fputs(
          "jpegopt: warning: --arithmetic writes files that web browsers and many viewers cannot "
          "show\n",
          stderr);
    return jpegopt::cli::run_batch(optimize_args, options);
  } catch (const CLI::ValidationError& e) {
    return usage_error(e.what());
  }
}
