// Minimal inline SVG bar charts for the HTML report (horizontal for funnels and rankings,
// vertical with optional 95 % error bars for lifts). Negative values draw left of / below zero.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "report/html.h"

namespace uplift::report {
namespace {

std::string number(double v, const std::string& unit) {
  if (unit == "%") return fmt::format("{:.1f}%", v);
  return fmt::format("{:.0f}", v);
}

}  // namespace

std::string svg_hbars(const std::string& title, const std::vector<Bar>& bars, const std::string& unit) {
  const int row = 26, label_w = 170, plot_w = 360, top = 28;
  const int height = top + row * static_cast<int>(std::max<std::size_t>(bars.size(), 1)) + 10;
  double max = 0;
  for (const auto& b : bars) max = std::max(max, std::fabs(b.value));
  if (max <= 0) max = 1;
  std::string s = fmt::format(
      "<svg class=\"chart\" role=\"img\" aria-label=\"{0}\" viewBox=\"0 0 {1} {2}\" width=\"{1}\" height=\"{2}\" "
      "xmlns=\"http://www.w3.org/2000/svg\"><title>{0}</title><text x=\"0\" y=\"16\" class=\"ct\">{0}</text>",
      html_escape(title), label_w + plot_w + 80, height);
  if (bars.empty()) s += fmt::format("<text x=\"0\" y=\"{}\" class=\"muted\">no data</text>", top + 16);
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const auto& b = bars[i];
    int y = top + row * static_cast<int>(i);
    double w = plot_w * std::fabs(b.value) / max;
    s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", label_w - 8, y + 16, html_escape(b.label));
    s += fmt::format("<rect class=\"{}\" x=\"{}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\"/>", html_escape(b.css), label_w,
                     y + 3, w, row - 8);
    s += fmt::format("<text x=\"{:.1f}\" y=\"{}\">{}</text>", label_w + w + 6, y + 16, html_escape(number(b.value, unit)));
  }
  return s + "</svg>";
}

std::string svg_vbars(const std::string& title, const std::vector<Bar>& bars, const std::string& unit,
                      const std::optional<Scale>& scale) {
  const int col = 150, left = 56, top = 16, plot_h = 200, bottom = 40;
  const int width = left + col * static_cast<int>(std::max<std::size_t>(bars.size(), 2)) + 20;
  double hi = scale ? scale->hi : 0, lo = scale ? scale->lo : 0;
  for (const auto& b : bars) {
    // A shared scale holds every bar; an interval beyond it is drawn to the edge.
    const bool whiskers = b.has_ci && !scale;
    hi = std::max({hi, b.value, whiskers ? b.hi : b.value});
    lo = std::min({lo, b.value, whiskers ? b.lo : b.value});
  }
  if (hi - lo <= 0) hi = lo + 1;
  auto y_of = [&](double v) { return top + plot_h * (hi - std::clamp(v, lo, hi)) / (hi - lo); };
  std::string s = fmt::format(
      "<svg class=\"chart\" role=\"img\" aria-label=\"{0}\" viewBox=\"0 0 {1} {2}\" width=\"{1}\" height=\"{2}\" "
      "xmlns=\"http://www.w3.org/2000/svg\"><title>{0}</title>",
      html_escape(title), width, top + plot_h + bottom);
  const double zero = y_of(0);
  // The scale's ends, so equal heights read as equal values across charts.
  s += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\" class=\"muted\">{}</text>", left - 8,
                   y_of(hi) + 4, html_escape(number(hi, unit)));
  if (lo < 0)
    s += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\" class=\"muted\">{}</text>", left - 8,
                     y_of(lo) + 4, html_escape(number(lo, unit)));
  s += fmt::format("<line class=\"axis\" x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\"/>", left - 4, width - 10, zero, zero);
  s += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\" class=\"muted\">0</text>", left - 8, zero + 4);
  if (bars.empty()) s += fmt::format("<text x=\"{}\" y=\"{}\" class=\"muted\">not estimable</text>", left, top + 20);
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const auto& b = bars[i];
    double x = left + col * static_cast<double>(i) + 10;
    double y1 = std::min(y_of(b.value), zero), y2 = std::max(y_of(b.value), zero);
    s += fmt::format("<rect class=\"{}\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{}\" height=\"{:.1f}\"/>", html_escape(b.css), x,
                     y1, col - 40, y2 - y1);
    if (b.has_ci) {
      double cx = x + (col - 40) / 2.0;
      s += fmt::format(
          "<g class=\"ci\"><line x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1:.1f}\" y2=\"{2:.1f}\"/>"
          "<line x1=\"{3:.1f}\" x2=\"{4:.1f}\" y1=\"{1:.1f}\" y2=\"{1:.1f}\"/>"
          "<line x1=\"{3:.1f}\" x2=\"{4:.1f}\" y1=\"{2:.1f}\" y2=\"{2:.1f}\"/></g>",
          cx, y_of(b.hi), y_of(b.lo), cx - 8, cx + 8);
    }
    // The value beside the bar's top (not above it: a whisker may be there).
    s += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\">{}</text>", x + (col - 40) + 4,
                     (b.value >= 0 ? y1 : y2) + (b.value >= 0 ? 12 : -2), html_escape(number(b.value, unit)));
    s += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>", x + (col - 40) / 2.0,
                     top + plot_h + 18, html_escape(b.label));
  }
  return s + "</svg>";
}

}  // namespace uplift::report
