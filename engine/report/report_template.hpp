// The report page's template (web/report/report.html with its style, its script and the
// chart library of third_party/ inlined), compiled into the library by CMake
// (cmake/embed_report_template.cmake) so `report` needs no network and no npm. Internal.
#pragma once

#include <string_view>

namespace smartpower {

// The page with four markers the report fills, each once: @SMARTPOWER_TITLE@,
// @SMARTPOWER_GENERATOR@, @SMARTPOWER_FIGURES@ and @SMARTPOWER_DATA@ (the JSON).
std::string_view report_template();

}  // namespace smartpower
