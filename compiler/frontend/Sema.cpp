#include "Sema.h"
namespace soma {
SemaResult analyzeProgram(const std::vector<SemaModuleInput> &, DiagnosticEngine &) { return {}; }
}
