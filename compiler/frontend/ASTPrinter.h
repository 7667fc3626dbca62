// Prints an AST as canonical Soma source (`somac emit --stage=ast`).
//
// Canonical means: two-space indentation, one declaration or statement per line, no
// semicolons, minimal parentheses, word operators spelled `&&`, `||`, `!`, compound units
// in literals bracketed (`0.5 [mV/ms]`). Printing the result of parsing the output again
// gives the same text: the form is a fixed point, which the lit suite checks.
#pragma once

#include "AST.h"

#include <ostream>

namespace soma {

void printModule(const Module &module, std::ostream &out);
std::string exprToString(const Expr &e);
std::string typeToString(const TypeSyntax &t);

} // namespace soma
