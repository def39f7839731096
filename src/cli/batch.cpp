#include "cli/batch.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "cli/destination.hpp"
#include "cli/inputs.hpp"
#include "cli/progress.hpp"
#include "cli/report.hpp"
#include "io/files.hpp"
#include "io/platform.hpp"
#include "jpegopt/optimize.hpp"

namespace jpegopt::cli {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

// Everything the workers share. The mutex guards `cleaned` and folder creation under --dest.
struct Job {
  const OptimizeArgs& args;
  const Options& options;
  OutputMode mode;
  bool write = true;  // false with --dry-run and --check
  std::mutex mutex;
  std::set<fs::path> cleaned;
};

struct Result {
  FileReport report;
  bool broken_pipe = false;
};

// Fails early, as the write would, when something is at `target` and --overwrite is not given.
void refuse_existing(const fs::path& target, bool overwrite) {
  std::error_code ec;
  if (!overwrite && fs::exists(fs::symlink_status(target, ec)))
    throw Error(ErrorCode::Io, target.string() + " exists; use --overwrite");
}

void write_result(Job& job, const Input& input, const fs::path& target, ByteView bytes,
                  bool replace_input, bool overwrite) {
  if (target == "-") return io::write_stdout(bytes);
  if (replace_input)
    return io::write_atomic(target, bytes, io::WriteOptions{job.args.preserve, true});
  platform::FileTimes times;
  const bool keep_times =
      job.args.preserve && input.path != "-" && !platform::read_times(input.path, times);
  io::write_new_file(target, bytes, overwrite);
  if (keep_times) (void)platform::apply_times(target, times);
}

Result run_one(Job& job, const Input& input) {
  Result result;
  FileReport& r = result.report;
  r.path = input.path.string();
  const auto started = Clock::now();
  try {
    if (!input.error.empty()) throw Error(ErrorCode::Io, input.error);
    if (input.path != "-") {
      std::error_code ec;
      const fs::file_status status = fs::status(input.path, ec);
      if (fs::is_directory(status))
        throw Error(ErrorCode::Io, "is a folder; add -r to process the JPEG files in it");
      if (fs::exists(status) && !fs::is_regular_file(status))
        throw Error(ErrorCode::Io, "not a regular file");
      if (!fs::exists(status) && fs::is_symlink(fs::symlink_status(input.path, ec)))
        throw Error(ErrorCode::Io, "dangling symlink");
    }
    if (job.write && job.mode.kind == OutputKind::InPlace && input.path != "-") {
      // Temporary files left by a killed run carry a recognizable name: clear them once per
      // folder, whether or not this run ends up writing there.
      const fs::path folder = fs::absolute(input.path).parent_path();
      std::lock_guard lock(job.mutex);
      if (job.cleaned.insert(folder).second) io::remove_stale_temp_files(folder);
    }
    const io::FileBytes bytes = io::read_file(input.path);
    Outcome outcome = process(bytes, job.options);
    const bool optimized = outcome.status == FileStatus::Optimized;
    const OutputMode& mode = job.mode;

    fs::path target;
    ByteView data;
    bool replace_input = false;
    bool overwrite = job.args.overwrite;
    if (mode.kind == OutputKind::Stdout || mode.kind == OutputKind::File ||
        (input.path == "-" && mode.kind != OutputKind::File)) {
      // A stream or a named file always gets an image: the input's bytes when nothing is smaller.
      target = mode.kind == OutputKind::File ? mode.file : fs::path("-");
      data = optimized ? ByteView(outcome.bytes) : ByteView(bytes);
      overwrite = true;  // -o FILE names its target explicitly
    } else if (optimized) {
      target = output_path(input, mode, false);
      data = outcome.bytes;
      replace_input = replaces_input(input, mode);
    } else if (job.args.copy_unchanged && mode.kind == OutputKind::Dest) {
      target = output_path(input, mode, true);
      data = bytes;
    }
    if (!target.empty()) {
      if (!replace_input) refuse_same_file(input.path, target);
      if (mode.kind == OutputKind::Dest) {
        std::lock_guard lock(job.mutex);
        prepare_dest_folders(mode.dest, target, job.write);
      }
      if (!replace_input && target != "-") refuse_existing(target, overwrite);
      r.output = target;
      if (job.write) {
        write_result(job, input, target, data, replace_input, overwrite);
        r.written = true;
      }
    }
    outcome.bytes.clear();
    outcome.bytes.shrink_to_fit();
    r.outcome = std::move(outcome);
  } catch (const io::BrokenPipe&) {
    result.broken_pipe = true;
  } catch (const Error& e) {
    r.error_code = e.code();
    r.error = e.what();
  } catch (const std::bad_alloc&) {
    r.error_code = ErrorCode::OutOfMemory;
    r.error = "out of memory";
  } catch (const std::exception& e) {
    r.error_code = ErrorCode::Internal;
    r.error = std::string("internal error: ") + e.what();
  }
  r.elapsed_ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
  return result;
}

std::vector<std::string> listed_files(const OptimizeArgs& args) {
  if (args.files_from.empty()) return {};
  io::FileBytes bytes;
  try {
    bytes = io::read_file(args.files_from);
  } catch (const Error& e) {
    throw CLI::ValidationError("--files-from " + args.files_from + ": " + e.what());
  }
  return split_file_list(
      std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
      args.null_separated);
}

OutputMode output_mode(const OptimizeArgs& args) {
  OutputMode mode;
  mode.suffix = args.suffix;
  if (args.to_stdout) {
    mode.kind = OutputKind::Stdout;
  } else if (!args.output.empty()) {
    mode.kind = OutputKind::File;
    mode.file = args.output;
  } else if (!args.dest.empty()) {
    mode.kind = OutputKind::Dest;
    mode.dest = args.dest;
  }
  return mode;
}

void validate(const OptimizeArgs& args, const std::vector<Input>& inputs, const OutputMode& mode) {
  const auto stdin_inputs =
      std::count_if(inputs.begin(), inputs.end(), [](const Input& i) { return i.path == "-"; });
  if (stdin_inputs > 1 || (stdin_inputs == 1 && args.files_from == "-"))
    throw CLI::ValidationError("standard input can be read only once");
  // Counted as typed too: the same file named twice is one input but still a mistake here.
  const bool one = inputs.size() == 1 && args.files.size() <= 1;
  if (mode.kind == OutputKind::File && !one)
    throw CLI::ValidationError("-o/--output takes exactly one input file");
  if (mode.kind == OutputKind::Stdout && !one)
    throw CLI::ValidationError("--stdout takes exactly one input file");
  if (!args.suffix.empty() &&
      (args.suffix.find('/') != std::string::npos || args.suffix.find('\\') != std::string::npos))
    throw CLI::ValidationError("the suffix cannot contain a folder separator");
  if (args.copy_unchanged && mode.kind != OutputKind::Dest)
    throw CLI::ValidationError("--copy-unchanged needs -d/--dest");
  const bool image_on_stdout =
      mode.kind == OutputKind::Stdout || (stdin_inputs == 1 && mode.kind != OutputKind::File);
  if (args.json && image_on_stdout)
    throw CLI::ValidationError("--json needs standard output; write the image with -o");
}

// Two inputs whose results would land on the same path: the later one fails (deterministically,
// whatever the number of workers).
void refuse_collisions(std::vector<Input>& inputs, const OutputMode& mode) {
  if (mode.kind == OutputKind::Stdout || mode.kind == OutputKind::File) return;
  std::map<fs::path::string_type, fs::path> taken;
  for (auto& input : inputs) {
    if (!input.error.empty() || input.path == "-") continue;
    fs::path target;
    try {
      target = output_path(input, mode, false);
    } catch (const Error&) {
      continue;  // reported by the worker
    }
    std::error_code ec;
    const fs::path key = fs::weakly_canonical(fs::absolute(target, ec), ec);
    const auto [at, inserted] = taken.emplace(key.native(), input.path);
    if (!inserted)
      input.error =
          "its output " + target.string() + " is also the output of " + at->second.string();
  }
}

// Writes a report line; false when standard output is a closed pipe.
bool emit(std::FILE* stream, const std::string& text) {
  errno = 0;
  std::fputs(text.c_str(), stream);
  if (std::fflush(stream) == 0 && !std::ferror(stream)) return true;
  const bool broken = errno == EPIPE;
  std::clearerr(stream);
  return !broken;
}

std::string human_line(const FileReport& r, const OptimizeArgs& args) {
  const Outcome& o = *r.outcome;
  if (args.check) {
    if (o.status == FileStatus::Optimized)
      return fmt::format("{}: would shrink {} -> {} bytes ({:+.1f}%)\n", r.path, o.bytes_in,
                         o.bytes_out, -percent_saved(o.bytes_in, o.bytes_out));
    return args.verbose ? format_outcome(r.path, o, true) + "\n" : std::string();
  }
  std::string line = format_outcome(r.path, o, args.verbose);
  const bool elsewhere = !r.output.empty() && r.output != "-" && r.output != fs::path(r.path);
  if (elsewhere) {
    const bool copy = o.status != FileStatus::Optimized;
    line += fmt::format(
        "; {} {}",
        args.dry_run ? (copy ? "would copy to" : "would write") : (copy ? "copied to" : "wrote"),
        r.output.string());
  } else if (args.dry_run && o.status == FileStatus::Optimized && r.output != "-") {
    line += "; would replace the file";
  }
  return line + "\n";
}

}  // namespace

int run_batch(const OptimizeArgs& args, const Options& options) {
  const auto started = Clock::now();
  const OutputMode mode = output_mode(args);
  InputOptions input_options;
  input_options.recursive = args.recursive;
  input_options.follow_symlinks = args.follow_symlinks;
  input_options.include_png = options.reencode.quality.has_value() || options.target.any();
  input_options.excludes = args.excludes;
  std::vector<Input> inputs = collect_inputs(args.files, listed_files(args), input_options);
  validate(args, inputs, mode);
  refuse_collisions(inputs, mode);

  const bool image_on_stdout =
      mode.kind == OutputKind::Stdout ||
      (mode.kind != OutputKind::File &&
       std::any_of(inputs.begin(), inputs.end(), [](const Input& i) { return i.path == "-"; }));
  std::FILE* report = image_on_stdout ? stderr : stdout;

  Job job{args, options, mode, !args.dry_run && !args.check, {}, {}};
  const std::size_t count = inputs.size();
  unsigned jobs = args.jobs != 0 ? args.jobs : std::max(1u, std::thread::hardware_concurrency());
  // Each worker holds one image's input, coefficients and output: cap absurd requests.
  jobs = std::min(jobs, 256u);
  jobs = static_cast<unsigned>(std::min<std::size_t>(jobs, std::max<std::size_t>(count, 1)));
  // Workers run at most `window` files ahead of the report, so finished results (which hold no
  // image bytes, but do hold reports) stay few and the progress line stays honest.
  const std::size_t window = 2 * static_cast<std::size_t>(jobs);

  std::vector<std::optional<Result>> slots(count);
  std::mutex mutex;
  std::condition_variable ready, space;
  std::size_t next_start = 0, next_report = 0;
  bool stop = false;
  auto worker = [&] {
    for (;;) {
      std::size_t index = 0;
      {
        std::unique_lock lock(mutex);
        space.wait(
            lock, [&] { return stop || next_start >= count || next_start < next_report + window; });
        if (stop || next_start >= count) return;
        index = next_start++;
      }
      Result result = run_one(job, inputs[index]);
      std::lock_guard lock(mutex);
      slots[index] = std::move(result);
      ready.notify_all();
    }
  };
  std::vector<std::thread> pool;
  for (unsigned i = 0; i < jobs; ++i)
    pool.emplace_back(worker);

  Progress progress(count, platform::is_terminal(stderr) && !args.quiet);
  const bool report_on_terminal =
      platform::is_terminal(args.json ? stdout : report) || (args.json ? stdout : report) == stderr;
  Totals totals;
  int would_shrink = 0;
  bool broken_pipe = false;
  for (std::size_t index = 0; index < count && !broken_pipe; ++index) {
    Result result;
    {
      std::unique_lock lock(mutex);
      while (!ready.wait_for(lock, std::chrono::milliseconds(250),
                             [&] { return slots[index].has_value(); })) {
        lock.unlock();
        progress.tick();
        lock.lock();
      }
      result = std::move(*slots[index]);
      slots[index].reset();
      next_report = index + 1;
      space.notify_all();
    }
    if (result.broken_pipe) {
      broken_pipe = true;
      break;
    }
    const FileReport& r = result.report;
    totals.add(r);
    if (r.status() == ReportStatus::Optimized) ++would_shrink;
    // The line is erased only when other output is about to reach the terminal.
    if (!r.outcome || (report_on_terminal && (args.json || !args.quiet))) progress.clear();
    if (!r.outcome) {
      std::fflush(report);
      std::fprintf(stderr, "jpegopt: %s: %s\n", r.path.c_str(), r.error.c_str());
    }
    if (args.json) {
      broken_pipe = !emit(stdout, json_line(file_json(r)));
    } else if (r.outcome && !args.quiet) {
      const std::string line = human_line(r, args);
      if (!line.empty()) broken_pipe = !emit(report, line);
    }
    progress.file_done(r.bytes_in(), r.outcome ? r.bytes_out() : 0);
  }
  {
    std::lock_guard lock(mutex);
    stop = true;
    space.notify_all();
  }
  for (auto& thread : pool)
    thread.join();
  progress.clear();
  if (broken_pipe) return totals.failed > 0 ? kExitFailed : kExitOk;

  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  if (args.json) {
    emit(stdout, json_line(summary_json(totals, seconds, args.dry_run, args.check)));
  } else if (!args.quiet && args.check) {
    if (would_shrink > 0)
      emit(report, fmt::format("{} of {} files would shrink: {} -> {} bytes (saved {:.1f}%)\n",
                               would_shrink, totals.files, totals.bytes_in, totals.bytes_out,
                               percent_saved(totals.bytes_in, totals.bytes_out)));
    else if (totals.failed == 0)
      emit(report, fmt::format("{} files checked: all already optimal\n", totals.files));
  } else if (!args.quiet && count > 1) {
    emit(report,
         format_summary(totals, seconds) + (args.dry_run ? " (dry run: nothing written)\n" : "\n"));
  }
  if (totals.failed > 0) return kExitFailed;
  if (args.check && would_shrink > 0) return kExitWouldShrink;
  return kExitOk;
}

}  // namespace jpegopt::cli
