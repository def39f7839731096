#include "cli/inputs.hpp"

#include <algorithm>
#include <set>
#include <system_error>

namespace jpegopt::cli {

namespace fs = std::filesystem;

namespace {

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// Matches a bracket expression starting after '['; returns the pattern position after ']' or
// npos when the set is unterminated (then '[' is an ordinary character).
std::size_t match_set(std::string_view p, std::size_t i, char c, bool& matched) {
  bool negate = false;
  if (i < p.size() && (p[i] == '!' || p[i] == '^')) {
    negate = true;
    ++i;
  }
  bool found = false;
  bool first = true;
  for (; i < p.size(); ++i) {
    if (p[i] == ']' && !first) {
      matched = found != negate && c != '/';
      return i + 1;
    }
    first = false;
    char lo = p[i];
    if (lo == '\\' && i + 1 < p.size()) lo = p[++i];
    char hi = lo;
    if (i + 2 < p.size() && p[i + 1] == '-' && p[i + 2] != ']') {
      hi = p[i + 2];
      i += 2;
    }
    if (c >= lo && c <= hi) found = true;
  }
  return std::string_view::npos;
}

// One element of a parsed pattern.
struct GlobToken {
  enum Kind { Literal, AnyChar, Set, Star, DoubleStar, DoubleStarSlash } kind = Literal;
  char literal = 0;
  std::size_t set_begin = 0;  // position after '[' in the pattern
};

std::vector<GlobToken> parse_glob(std::string_view p) {
  std::vector<GlobToken> tokens;
  for (std::size_t i = 0; i < p.size(); ++i) {
    GlobToken t;
    if (p[i] == '*') {
      std::size_t stars = 1;
      while (i + 1 < p.size() && p[i + 1] == '*') {
        ++stars;
        ++i;
      }
      t.kind = stars > 1 ? GlobToken::DoubleStar : GlobToken::Star;
      // "**/" also matches no folder at all.
      if (stars > 1 && i + 1 < p.size() && p[i + 1] == '/') {
        t.kind = GlobToken::DoubleStarSlash;
        ++i;
      }
    } else if (p[i] == '?') {
      t.kind = GlobToken::AnyChar;
    } else if (p[i] == '[') {
      bool unused = false;
      const std::size_t after = match_set(p, i + 1, 'a', unused);
      if (after != std::string_view::npos) {
        t.kind = GlobToken::Set;
        t.set_begin = i + 1;
        i = after - 1;
      } else {
        t.literal = '[';
      }
    } else {
      t.literal = p[i];
      if (p[i] == '\\' && i + 1 < p.size()) t.literal = p[++i];
    }
    tokens.push_back(t);
  }
  return tokens;
}

class Collector {
 public:
  Collector(const InputOptions& options, std::vector<Input>& out) : options_(options), out_(out) {}

  void add_file(const fs::path& path, const fs::path& relative) {
    if (path != "-") {
      std::error_code ec;
      fs::path key = fs::absolute(path, ec).lexically_normal();
      if (!ec && !seen_.insert(key.native()).second) return;
    }
    out_.push_back(Input{path, relative, {}});
  }

  void add_error(const fs::path& path, std::string message) {
    out_.push_back(Input{path, path.filename(), std::move(message)});
  }

  void add_argument(const fs::path& path) {
    if (path == "-") return add_file(path, {});
    if (is_excluded(path.filename(), options_.excludes)) return;
    std::error_code ec;
    if (!fs::is_directory(path, ec)) return add_file(path, path.filename());
    if (!options_.recursive)
      return add_error(path, "is a folder; add -r to process the JPEG files in it");
    walk(path, fs::path(), 0);
  }

 private:
  void walk(const fs::path& root, const fs::path& relative, int depth) {
    const fs::path dir = relative.empty() ? root : root / relative;
    if (options_.follow_symlinks) {
      // Symlinks may form cycles: walk each real folder once.
      std::error_code ec;
      const fs::path real = fs::canonical(dir, ec);
      if (ec || !visited_.insert(real.native()).second) return;
    }
    if (depth > 256) return add_error(dir, "folders nested too deeply");
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    if (ec) return add_error(dir, "cannot read folder: " + ec.message());
    struct Entry {
      fs::path name;
      bool folder;
      std::string error;
    };
    std::vector<Entry> entries;
    for (; it != fs::directory_iterator(); it.increment(ec)) {
      const fs::path name = it->path().filename();
      const fs::path rel = relative / name;
      if (is_excluded(rel, options_.excludes)) continue;
      std::error_code st_ec;
      const fs::file_status link = it->symlink_status(st_ec);
      const fs::file_status target = fs::is_symlink(link) ? it->status(st_ec) : link;
      if (fs::is_directory(target)) {
        if (!fs::is_symlink(link) || options_.follow_symlinks) entries.push_back({name, true, {}});
        continue;
      }
      if (!has_image_extension(name, options_.include_png)) continue;
      if (fs::is_regular_file(target))
        entries.push_back({name, false, {}});
      else if (!fs::exists(target))
        entries.push_back({name, false, "dangling symlink"});
      else
        entries.push_back({name, false, "not a regular file"});
    }
    if (ec) add_error(dir, "cannot read folder: " + ec.message());
    std::sort(entries.begin(), entries.end(),
              [](const Entry& a, const Entry& b) { return a.name.native() < b.name.native(); });
    for (const auto& e : entries) {
      if (e.folder)
        walk(root, relative / e.name, depth + 1);
      else if (!e.error.empty())
        out_.push_back(Input{root / relative / e.name, relative / e.name, e.error});
      else
        add_file(root / relative / e.name, relative / e.name);
    }
  }

  const InputOptions& options_;
  std::vector<Input>& out_;
  std::set<fs::path::string_type> seen_;
  std::set<fs::path::string_type> visited_;
};

}  // namespace

bool glob_match(std::string_view pattern, std::string_view text) {
  // Dynamic programming over (token, text position): linear in both, whatever the pattern.
  const std::vector<GlobToken> tokens = parse_glob(pattern);
  std::vector<char> reach(text.size() + 1, 0), next(text.size() + 1, 0);
  reach[0] = 1;
  for (const GlobToken& t : tokens) {
    std::fill(next.begin(), next.end(), 0);
    for (std::size_t k = 0; k <= text.size(); ++k) {
      if (!reach[k]) continue;
      switch (t.kind) {
        case GlobToken::Star:
        case GlobToken::DoubleStar:
          next[k] = 1;
          for (std::size_t m = k;
               m < text.size() && (t.kind == GlobToken::DoubleStar || text[m] != '/'); ++m)
            next[m + 1] = 1;
          break;
        case GlobToken::DoubleStarSlash:
          next[k] = 1;  // no folder
          for (std::size_t m = k; m < text.size(); ++m)
            if (text[m] == '/') next[m + 1] = 1;
          break;
        case GlobToken::AnyChar:
          if (k < text.size() && text[k] != '/') next[k + 1] = 1;
          break;
        case GlobToken::Set: {
          bool matched = false;
          if (k < text.size()) match_set(pattern, t.set_begin, text[k], matched);
          if (matched) next[k + 1] = 1;
          break;
        }
        case GlobToken::Literal:
          if (k < text.size() && text[k] == t.literal) next[k + 1] = 1;
          break;
      }
    }
    reach.swap(next);
  }
  return reach[text.size()] != 0;
}

bool is_excluded(const fs::path& relative, const std::vector<std::string>& patterns) {
  if (patterns.empty()) return false;
  const std::string whole = relative.generic_string();
  for (const auto& pattern : patterns) {
    if (pattern.find('/') != std::string::npos) {
      if (glob_match(pattern, whole)) return true;
      continue;
    }
    for (const auto& part : relative)
      if (glob_match(pattern, part.string())) return true;
  }
  return false;
}

namespace {

std::string lower_extension(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), lower);
  return ext;
}

}  // namespace

bool is_pixel_file_name(const fs::path& path) {
  const std::string ext = lower_extension(path);
  return ext == ".png" || ext == ".ppm" || ext == ".pgm" || ext == ".pnm";
}

bool has_image_extension(const fs::path& path, bool include_png) {
  const std::string ext = lower_extension(path);
  return ext == ".jpg" || ext == ".jpeg" || ext == ".jpe" || ext == ".jfif" ||
         (include_png && is_pixel_file_name(path));
}

std::vector<std::string> split_file_list(std::string_view text, bool nul) {
  std::vector<std::string> out;
  const char separator = nul ? '\0' : '\n';
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(separator, start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view item = text.substr(start, end - start);
    if (!nul && !item.empty() && item.back() == '\r') item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    start = end + 1;
  }
  return out;
}

std::vector<Input> collect_inputs(const std::vector<std::string>& arguments,
                                  const std::vector<std::string>& listed,
                                  const InputOptions& options) {
  std::vector<Input> out;
  Collector collector(options, out);
  for (const auto& argument : arguments)
    collector.add_argument(argument);
  // Listed files keep their path as the place under --dest, so a list from `git ls-files`
  // mirrors the repository's layout.
  for (const auto& item : listed) {
    const fs::path path(item);
    if (is_excluded(path.relative_path(), options.excludes)) continue;
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      collector.add_argument(item);
      continue;
    }
    collector.add_file(path, path.lexically_normal());
  }
  return out;
}

}  // namespace jpegopt::cli
