#include "AST.h"

namespace soma {

Expr::~Expr() {
  // Free descendants with an explicit stack: chains of operators can be very long.
  std::vector<ExprPtr> pending;
  for (auto &c : children) pending.push_back(std::move(c));
  while (!pending.empty()) {
    ExprPtr e = std::move(pending.back());
    pending.pop_back();
    if (!e) continue;
    for (auto &c : e->children) pending.push_back(std::move(c));
    e->children.clear();
  }
}

ExprPtr makeExpr(ExprKind k, SourceRange r) { return std::make_unique<Expr>(k, r); }

std::string Type::str() const {
  std::string s;
  switch (kind) {
  case Error: return "<error>";
  case Any: return "any";
  case String: return "string";
  case List: return "list";
  case Bool: s = "bool"; break;
  case Int: s = "int"; break;
  case Real: s = unit.isDimensionless() ? "real" : unit.str(); break;
  }
  if (vectorSize > 0) s += "[" + std::to_string(vectorSize) + "]";
  return s;
}

} // namespace soma
