// The ROI report as one self-contained HTML page for executives: a plain-language summary,
// inline SVG charts (stage funnel, naive vs causal lift with 95 % intervals, dose-response, stage
// movement per CSM), the tables, and what the causal estimate means and when not to trust it.
// No scripts, no external resources; every piece of text from the data is HTML-escaped.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "attribution/roi.h"

namespace uplift::report {

std::string html_escape(std::string_view s);
std::string roi_to_html(const attribution::RoiReport& r);

// Chart pieces (svg.cpp), each a complete <svg> element; exposed for tests.
struct Bar {
  std::string label;
  double value = 0;
  bool has_ci = false;
  double lo = 0, hi = 0;
  std::string css;  // class of the bar: "naive", "causal", "stage", "csm"
};
// The value range a vertical chart's plot spans (shared by every lift chart of a page).
struct Scale {
  double lo = 0, hi = 0;
};
std::string svg_hbars(const std::string& title, const std::vector<Bar>& bars, const std::string& unit);
// `scale`: the range to draw (widened to hold 0 and every bar); nullopt: fitted to the bars. The
// title is the SVG's accessible <title>; the page shows it as the figure's caption.
std::string svg_vbars(const std::string& title, const std::vector<Bar>& bars, const std::string& unit,
                      const std::optional<Scale>& scale = std::nullopt);

}  // namespace uplift::report
