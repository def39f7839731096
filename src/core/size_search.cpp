#include "core/size_search.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace jpegopt::size_search {

double table_scale(double quality) {
  quality = std::clamp(quality, 1.0, 100.0);
  return quality < 50 ? 5000 / quality : 200 - 2 * quality;
}

double quality_for_scale(double scale) {
  if (scale >= 100) return 5000 / scale;
  if (scale <= 0.5) return 100;  // every table entry is 1 from here on
  return std::clamp((200 - scale) / 2, 50.0, 100.0);
}

namespace {

// Below a scale of 0.5 every table entry is 1 already: treat higher qualities alike.
double model_x(double quality) {
  return std::log(std::max(table_scale(quality), 0.5));
}
double model_y(std::size_t size) {
  return std::log(static_cast<double>(std::max<std::size_t>(size, 1)));
}

// Typical photo: size ~ scale^-0.65 (measured slope of log size over log scale is 0.5 to 0.9).
constexpr double kDefaultSlope = -0.65;

class Searcher {
 public:
  Searcher(const SizeFunction& size_of, const Params& p) : size_of_(size_of), p_(p) {
    goal_ = static_cast<double>(p.target) * (1 - p.tolerance * 0.4);
    floor_ = static_cast<double>(p.target) * (1 - p.tolerance);
  }

  Result run() {
    double q = p_.start_quality;
    while (true) {
      const Trial t = trial(q);
      if (fits(t) && static_cast<double>(t.size) >= floor_) break;
      if (result_.trials >= p_.max_trials) break;
      const auto next = next_quality();
      if (!next) break;
      q = *next;
    }
    return result_;
  }

 private:
  bool fits(const Trial& t) const { return t.size <= p_.target; }

  bool tried(double q) const {
    return std::any_of(result_.tried.begin(), result_.tried.end(),
                       [q](const Trial& t) { return std::abs(t.quality - q) < 1e-9; });
  }

  Trial trial(double q) {
    q = std::round(std::clamp(q, p_.min_quality, p_.max_quality) * 100) / 100;
    const Trial t{q, size_of_(q)};
    result_.tried.push_back(t);
    if (result_.trials == 0 || t.size < result_.smallest.size) result_.smallest = t;
    ++result_.trials;
    if (fits(t) && (!result_.best || t.quality > result_.best->quality)) result_.best = t;
    return t;
  }

  // The lowest miss above the best fit (a miss below it is noise and does not bound anything).
  std::optional<double> lowest_miss_above(double q) const {
    std::optional<double> out;
    for (const auto& t : result_.tried)
      if (!fits(t) && t.quality > q && (!out || t.quality < *out)) out = t.quality;
    return out;
  }

  // Quality predicted to give the goal size by a secant in (log scale, log size): between the
  // bracket's nearest fit and nearest miss when there is a bracket (regula falsi), else through
  // the two trials nearest the goal, or from one trial with the typical slope.
  double model_quality(const Trial* fit, const Trial* miss) const {
    const double gy = std::log(goal_);
    const Trial* a = fit;
    const Trial* b = miss;
    double min_flat = -0.02;
    if (!a || !b) {
      std::vector<const Trial*> near;
      for (const auto& t : result_.tried)
        near.push_back(&t);
      std::stable_sort(near.begin(), near.end(), [gy](const Trial* l, const Trial* r) {
        return std::abs(model_y(l->size) - gy) < std::abs(model_y(r->size) - gy);
      });
      a = near[0];
      b = near.size() > 1 ? near[1] : nullptr;
      min_flat = -0.15;  // extrapolating: a nearly flat secant would jump too far
    }
    double slope = kDefaultSlope;
    if (b) {
      const double dx = model_x(b->quality) - model_x(a->quality);
      const double s = std::abs(dx) < 1e-6 ? 1 : (model_y(b->size) - model_y(a->size)) / dx;
      // Rising sizes are noise: keep the typical slope. Flat ones (tables that stopped changing
      // near quality 100) are real, but a floor keeps the step finite.
      if (s < 0) slope = std::clamp(s, -3.0, min_flat);
    }
    const double x = model_x(a->quality) + (gy - model_y(a->size)) / slope;
    return quality_for_scale(std::exp(x));
  }

  // x at the goal's y from the three trials nearest the goal, when their sizes differ.
  std::optional<double> inverse_quadratic() const {
    if (result_.tried.size() < 3) return std::nullopt;
    const double gy = std::log(goal_);
    std::vector<const Trial*> near;
    for (const auto& t : result_.tried)
      near.push_back(&t);
    std::stable_sort(near.begin(), near.end(), [gy](const Trial* l, const Trial* r) {
      return std::abs(model_y(l->size) - gy) < std::abs(model_y(r->size) - gy);
    });
    double x[3], y[3];
    for (int i = 0; i < 3; ++i) {
      x[i] = model_x(near[i]->quality);
      y[i] = model_y(near[i]->size);
    }
    for (int i = 0; i < 3; ++i)
      for (int j = i + 1; j < 3; ++j)
        if (std::abs(y[i] - y[j]) < 1e-9 || std::abs(x[i] - x[j]) < 1e-9) return std::nullopt;
    double out = 0;
    for (int i = 0; i < 3; ++i) {
      double w = x[i];
      for (int j = 0; j < 3; ++j)
        if (j != i) w *= (gy - y[j]) / (y[i] - y[j]);
      out += w;
    }
    return quality_for_scale(std::exp(out));
  }

  const Trial* find(double q, bool fitting) const {
    for (const auto& t : result_.tried)
      if (t.quality == q && fits(t) == fitting) return &t;
    return nullptr;
  }

  std::optional<double> next_quality() {
    const auto& best = result_.best;
    if (best && best->quality >= p_.max_quality) return std::nullopt;  // the top fits
    const double lo = best ? best->quality : p_.min_quality;
    const auto miss = lowest_miss_above(best ? best->quality : -1);
    const double hi = miss ? *miss : p_.max_quality;
    // With no fit yet, the lowest quality is the last resort: once it misses, nothing fits.
    if (!best && miss && *miss <= p_.min_quality) return std::nullopt;
    if (best && miss && hi - lo < p_.resolution) return std::nullopt;
    // Keep one trial for the lowest quality while nothing fits.
    if (!best && result_.trials == p_.max_trials - 1 && !tried(p_.min_quality))
      return p_.min_quality;

    const bool bracketed = best && miss;
    const Trial* fit_end = bracketed ? find(lo, true) : nullptr;
    const Trial* miss_end = bracketed ? find(hi, false) : nullptr;
    double q = model_quality(fit_end, miss_end);
    // Inside a bracket, three trials follow the curvature better than a secant (as in Brent's
    // method): inverse quadratic interpolation when it lands inside the bracket.
    if (bracketed) {
      if (const auto curved = inverse_quadratic(); curved && *curved > lo && *curved < hi)
        q = *curved;
    }
    // Regula falsi can creep from one side: when the last two trials landed on the same side
    // of the target, bisect.
    const auto& tr = result_.tried;
    if (bracketed && tr.size() >= 2 && fits(tr[tr.size() - 1]) == fits(tr[tr.size() - 2]) &&
        !last_was_bisection_) {
      q = (lo + hi) / 2;
      last_was_bisection_ = true;
    } else {
      last_was_bisection_ = false;
    }
    // Stay strictly inside the bracket; an untried end (min or max quality) may be tried itself.
    const double width = hi - lo;
    const double margin = std::max(width * 0.05, p_.resolution / 2);
    const bool lo_open = !best;
    const bool hi_open = !miss;
    q = std::max(q, lo_open ? lo : lo + margin);
    q = std::min(q, hi_open ? hi : hi - margin);
    q = std::round(q * 100) / 100;
    if (tried(q)) {
      // Model points at a tried quality: split the bracket instead.
      q = std::round((lo + hi) / 2 * 100) / 100;
      if (tried(q)) return std::nullopt;
    }
    return q;
  }

  const SizeFunction& size_of_;
  Params p_;
  double goal_ = 0, floor_ = 0;
  Result result_;
  bool last_was_bisection_ = false;
};

}  // namespace

Result search(const SizeFunction& size_of, const Params& params) {
  return Searcher(size_of, params).run();
}

}  // namespace jpegopt::size_search
