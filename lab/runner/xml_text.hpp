#pragma once
// Text for the XML and HTML the lab writes (JUnit files, report pages).

#include <string>

namespace brick::lab {

// text with &, <, > and " escaped and the control characters XML 1.0 does not
// allow dropped (newline and tab are kept).
std::string xml_escape(const std::string& text);

}  // namespace brick::lab
