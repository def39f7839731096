// The search for the highest quality whose encoded size fits a limit, over any size function
// (the target-size path passes a real encoder; tests pass fake ones).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <vector>

namespace jpegopt::size_search {

struct Trial {
  double quality = 0;
  std::size_t size = 0;
};

struct Params {
  std::size_t target = 0;     // a trial fits when its size is at most this
  double min_quality = 50;    // the lowest quality tried
  double max_quality = 100;   // the highest quality tried
  double start_quality = 85;  // the first trial (clamped to the bounds)
  int max_trials = 12;        // never more encodes than this
  double tolerance = 0.03;    // done once a fit is within this share under the target
  double resolution = 0.02;   // done once a fit and a miss are this close in quality
};

struct Result {
  std::optional<Trial> best;  // the highest quality that fits among the trials
  Trial smallest;             // the smallest size seen (what is reachable when nothing fits)
  int trials = 0;
  std::vector<Trial> tried;  // every trial, in order
};

using SizeFunction = std::function<std::size_t(double quality)>;

// Model steps first: the size of a JPEG is close to a power of the IJG table scale, so the next
// quality comes from a secant through earlier trials in (log scale, log size), aimed just under
// the target; a bracket of the highest fit and the lowest miss above it confines every step, and
// bisection takes over when model steps stop halving it. Noisy or non-monotone sizes only cost
// trials: the result is always the best fit among those tried.
Result search(const SizeFunction& size_of, const Params& params);

// The IJG quality scaling (percent of the base tables) of a fractional quality, and its inverse.
double table_scale(double quality);
double quality_for_scale(double scale);

}  // namespace jpegopt::size_search
