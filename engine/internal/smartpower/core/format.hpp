// Internal: the one number formatter. Every number the library and the command print as
// text goes through these three (C's printf conversions and std::to_chars, never a
// stream's state or locale), so an output's bytes have one source.
#pragma once

#include <string>

namespace smartpower {

// Fixed point with `digits` after the point ("%.*f"); `plus`: a '+' before a positive
// number or zero ("%+.*f"). format_fixed(0.12345) == "0.123", format_fixed(-0.0001, 2) ==
// "-0.00" (callers that print for readers fold that themselves).
std::string format_fixed(double v, int digits = 3, bool plus = false);

// `digits` significant digits, in the shorter of the fixed and exponent forms ("%.*g": a
// stream's default at precision(digits)): "0.5", "2014.75", "1e+06", "1.23457e+06".
std::string format_significant(double v, int digits = 6);

// The shortest text that reads back as the same double (std::to_chars): deterministic and
// exact, for files other programs read; "0" for -0 too.
std::string format_number(double v);

}  // namespace smartpower
