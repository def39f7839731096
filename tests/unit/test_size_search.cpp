#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <vector>

#include "core/size_search.hpp"

using namespace jpegopt::size_search;

namespace {

// A smooth JPEG-like size: a power of the table scale, flattening near quality 100.
SizeFunction power_law(double bytes_at_75, double exponent) {
  return [=](double q) {
    const double s = std::max(table_scale(q), 0.5);
    return static_cast<std::size_t>(bytes_at_75 * std::pow(s / 50, -exponent));
  };
}

// A different smooth shape: exponential in quality.
SizeFunction exponential(double bytes_at_50, double rate) {
  return
      [=](double q) { return static_cast<std::size_t>(bytes_at_50 * std::exp(rate * (q - 50))); };
}

// Deterministic pseudo-random factor in [1 - amplitude, 1 + amplitude] per quality.
double jitter(double q, double amplitude, std::uint32_t seed) {
  std::uint32_t h = static_cast<std::uint32_t>(std::llround(q * 100)) * 2654435761u ^ seed;
  h ^= h >> 13;
  h *= 0x5bd1e995u;
  h ^= h >> 15;
  return 1 + amplitude * (static_cast<double>(h % 2001) / 1000 - 1);
}

// Checks that hold for any size function: fits, is the best fit tried, stays within the bound,
// and the smallest size is the smallest tried.
void check_invariants(const Result& r, const Params& p) {
  REQUIRE(r.trials == static_cast<int>(r.tried.size()));
  CHECK(r.trials >= 1);
  CHECK(r.trials <= p.max_trials);
  std::size_t smallest = SIZE_MAX;
  double best_fitting_quality = -1;
  for (const auto& t : r.tried) {
    CHECK(t.quality >= p.min_quality);
    CHECK(t.quality <= p.max_quality);
    smallest = std::min(smallest, t.size);
    if (t.size <= p.target) best_fitting_quality = std::max(best_fitting_quality, t.quality);
  }
  CHECK(r.smallest.size == smallest);
  if (best_fitting_quality < 0) {
    CHECK_FALSE(r.best);
  } else {
    REQUIRE(r.best);
    CHECK(r.best->size <= p.target);
    CHECK(r.best->quality == best_fitting_quality);
  }
}

}  // namespace

TEST_CASE("table scale and its inverse follow IJG quality scaling", "[size_search]") {
  CHECK(table_scale(50) == 100);
  CHECK(table_scale(75) == 50);
  CHECK(table_scale(90) == 20);
  CHECK(table_scale(25) == 200);
  CHECK(table_scale(82.5) == 35);
  for (double q : {10.0, 37.5, 50.0, 66.6, 90.0, 99.0})
    CHECK(quality_for_scale(table_scale(q)) == Approx(q));
}

TEST_CASE("smooth sizes: lands within 3% under the target in few trials", "[size_search]") {
  int searches = 0, total_trials = 0;
  for (double exponent : {0.5, 0.65, 0.8, 1.0}) {
    for (double bytes_at_75 : {30000.0, 200000.0, 1500000.0}) {
      const auto f = power_law(bytes_at_75, exponent);
      const std::size_t lo = f(50), hi = f(100);
      for (double share : {0.02, 0.1, 0.25, 0.5, 0.75, 0.9, 0.98}) {
        Params p;
        p.target = static_cast<std::size_t>(static_cast<double>(lo) +
                                            share * static_cast<double>(hi - lo));
        INFO("exponent " << exponent << ", bytes at 75 " << bytes_at_75 << ", target " << p.target);
        const Result r = search(f, p);
        check_invariants(r, p);
        REQUIRE(r.best);
        CHECK(static_cast<double>(r.best->size) >= 0.97 * static_cast<double>(p.target));
        ++searches;
        total_trials += r.trials;
      }
    }
  }
  const double mean = static_cast<double>(total_trials) / searches;
  INFO("mean trials " << mean);
  CHECK(mean <= 6);
}

TEST_CASE("exponential sizes and other start points: still within 3%", "[size_search]") {
  int searches = 0, total_trials = 0;
  for (double rate : {0.01, 0.03, 0.06}) {
    const auto f = exponential(50000, rate);
    for (double start : {50.0, 75.0, 85.0, 100.0}) {
      for (double share : {0.05, 0.5, 0.95}) {
        Params p;
        p.start_quality = start;
        p.target = static_cast<std::size_t>(static_cast<double>(f(50)) +
                                            share * static_cast<double>(f(100) - f(50)));
        INFO("rate " << rate << ", start " << start << ", target " << p.target);
        const Result r = search(f, p);
        check_invariants(r, p);
        REQUIRE(r.best);
        CHECK(static_cast<double>(r.best->size) >= 0.97 * static_cast<double>(p.target));
        CHECK(r.trials <= 10);
        ++searches;
        total_trials += r.trials;
      }
    }
  }
  // A harder shape for the model than real JPEG sizes, from deliberately bad start points.
  const double mean = static_cast<double>(total_trials) / searches;
  INFO("mean trials " << mean);
  CHECK(mean <= 7);
}

TEST_CASE("noisy - non-monotone sizes: the result fits and is the best fit tried",
          "[size_search]") {
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    for (double amplitude : {0.02, 0.1, 0.3}) {
      const auto smooth = power_law(100000, 0.7);
      const SizeFunction f = [&](double q) {
        return static_cast<std::size_t>(static_cast<double>(smooth(q)) *
                                        jitter(q, amplitude, seed));
      };
      for (double target : {45000.0, 90000.0, 150000.0, 300000.0}) {
        Params p;
        p.target = static_cast<std::size_t>(target);
        p.max_trials = 8;
        INFO("seed " << seed << ", amplitude " << amplitude << ", target " << target);
        check_invariants(search(f, p), p);
      }
    }
  }
}

TEST_CASE("step sizes (integer tables): the result fits and the search stops", "[size_search]") {
  // Sizes change only at whole qualities, by about 10% near the top.
  const auto smooth = power_law(80000, 0.8);
  const SizeFunction f = [&](double q) { return smooth(std::floor(q)); };
  for (double target = 50000; target < 600000; target *= 1.37) {
    Params p;
    p.target = static_cast<std::size_t>(target);
    INFO("target " << target);
    const Result r = search(f, p);
    check_invariants(r, p);
    REQUIRE(r.best);
    // Either close enough, or the next whole quality (the next size step) does not fit.
    if (r.best->quality < 100 && static_cast<double>(r.best->size) < 0.97 * target)
      CHECK(f(std::floor(r.best->quality) + 1) > p.target);
  }
}

TEST_CASE("unreachable targets: nothing fits and the smallest size is the lowest quality's",
          "[size_search]") {
  const auto f = power_law(200000, 0.7);
  for (std::size_t target : {std::size_t{1}, std::size_t{1000}, f(50) - 1}) {
    Params p;
    p.target = target;
    INFO("target " << target);
    const Result r = search(f, p);
    check_invariants(r, p);
    CHECK_FALSE(r.best);
    CHECK(r.smallest.quality == 50);
    CHECK(r.smallest.size == f(50));
    CHECK(r.trials <= 3);
  }
  // A higher floor is honoured.
  Params p;
  p.target = f(70) - 1;
  p.min_quality = 70;
  const Result r = search(f, p);
  check_invariants(r, p);
  CHECK_FALSE(r.best);
  CHECK(r.smallest.quality == 70);
}

TEST_CASE("a target above the top quality's size takes quality 100", "[size_search]") {
  const auto f = power_law(100000, 0.7);
  Params p;
  p.target = f(100) * 3;
  const Result r = search(f, p);
  check_invariants(r, p);
  REQUIRE(r.best);
  CHECK(r.best->quality == 100);
  CHECK(r.trials <= 2);
}

TEST_CASE("the trial bound holds - and the last trial is kept for the floor", "[size_search]") {
  // Sizes that jump around: the model is useless.
  const SizeFunction wild = [](double q) {
    return static_cast<std::size_t>(50000 * jitter(q, 0.9, 7));
  };
  for (int bound : {1, 2, 3, 5}) {
    Params p;
    p.target = 30000;
    p.max_trials = bound;
    const Result r = search(wild, p);
    check_invariants(r, p);
    CHECK(r.trials <= bound);
  }
  // Nothing fits above the floor but the floor itself: the search still finds it.
  const SizeFunction only_floor = [](double q) {
    return q <= 50 ? std::size_t{10} : std::size_t{99};
  };
  Params p;
  p.target = 20;
  p.max_trials = 4;
  const Result r = search(only_floor, p);
  check_invariants(r, p);
  REQUIRE(r.best);
  CHECK(r.best->quality == 50);
}
