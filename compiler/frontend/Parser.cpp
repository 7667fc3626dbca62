#include "Parser.h"

#include "SomaLexer.h"
#include "SomaParser.h"
#include "antlr4-runtime.h"

#include <cctype>
#include <cstdlib>

namespace soma {

namespace {

using P = SomaParser;
using antlr4::Token;

// ------------------------------------------------------------------ positions

SourceRange rangeOfToken(uint32_t file, const Token *t) {
  SourceRange r;
  r.file = file;
  r.line = static_cast<uint32_t>(t->getLine());
  r.col = static_cast<uint32_t>(t->getCharPositionInLine()) + 1;
  r.endLine = r.line;
  std::string text = t->getType() == Token::EOF ? "" : t->getText();
  r.endCol = r.col + static_cast<uint32_t>(std::max<size_t>(1, countCodePoints(text)));
  return r;
}

/// Line and code-point column of byte `offset` in `text`.
SourceRange rangeOfOffset(uint32_t file, std::string_view text, size_t offset) {
  SourceRange r;
  r.file = file;
  r.line = 1;
  size_t lineStart = 0;
  for (size_t i = 0; i < offset; ++i)
    if (text[i] == '\n') { ++r.line; lineStart = i + 1; }
  r.col = static_cast<uint32_t>(countCodePoints(text.substr(lineStart, offset - lineStart))) + 1;
  r.endLine = r.line;
  r.endCol = r.col + 1;
  return r;
}

// ------------------------------------------------------------------ syntax errors

std::string describeToken(const antlr4::dfa::Vocabulary &voc, size_t type) {
  switch (type) {
  case Token::EOF: return "end of file";
  case P::IDENT: return "a name";
  case P::INT: case P::NUMBER: return "a number";
  case P::STRING: return "a string";
  case P::UNIT: return "a unit";
  default: return voc.getLiteralName(type).empty() ? voc.getSymbolicName(type) : voc.getLiteralName(type);
  }
}

std::string describeOffending(const Token *t) {
  if (t->getType() == Token::EOF) return "end of file";
  return "'" + t->getText() + "'";
}


/// "; expected A, B or C" for a short list; for a long one, a keyword the offending word
/// is probably a misspelling of, or the keywords that may stand here.
std::string expectation(antlr4::Parser &parser, const Token *offending) {
  const auto &voc = parser.getVocabulary();
  std::vector<std::string> names, keywords;
  for (auto tt : parser.getExpectedTokens().toList()) {
    std::string d = describeToken(voc, tt);
    if (std::find(names.begin(), names.end(), d) == names.end()) names.push_back(d);
    std::string lit = voc.getLiteralName(tt);
    if (lit.size() > 2 && std::isalpha(static_cast<unsigned char>(lit[1]))) keywords.push_back(lit.substr(1, lit.size() - 2));
  }
  if (offending->getType() == Token::EOF && std::find(names.begin(), names.end(), "'}'") != names.end())
    return "; a '{' is still open";
  std::string word = offending->getType() == Token::EOF ? "" : offending->getText();
  for (const std::string &k : keywords)
    if (!word.empty() && std::isalpha(static_cast<unsigned char>(word[0])) && editDistance(word, k) <= 2 &&
        editDistance(word, k) < k.size())
      return "; did you mean '" + k + "'?";
  if (names.empty()) return "";
  bool expression = std::find(names.begin(), names.end(), "a number") != names.end() &&
                    std::find(names.begin(), names.end(), "a name") != names.end();
  if (expression && names.size() > 4) return "; expected an expression";
  std::string out = "; expected ";
  if (names.size() > 6) {
    if (keywords.size() < 4) return "";
    out += "one of ";
    names.clear();
    for (const std::string &k : keywords) names.push_back("'" + k + "'");
  }
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) out += i + 1 == names.size() ? " or " : ", ";
    out += names[i];
  }
  return out;
}

class SyntaxErrorListener : public antlr4::BaseErrorListener {
public:
  SyntaxErrorListener(uint32_t file, DiagnosticEngine &diags) : file_(file), diags_(diags) {}

  void syntaxError(antlr4::Recognizer *recognizer, Token *offending, size_t, size_t,
                   const std::string &msg, std::exception_ptr) override {
    auto *parser = dynamic_cast<antlr4::Parser *>(recognizer);
    // `a = 3 b = 4` on one line: `b` was read as the unit of 3. Say so.
    if (parser) {
      const Token *prev = parser->getTokenStream()->LT(-1);
      if (prev && prev->getType() == P::UNIT && !lookupUnitWord(prev->getText())) {
        diags_.report(DiagId::unknown_unit_after_number, rangeOfToken(file_, prev),
                      {prev->getText(), "separate statements with ';' or a new line"});
        return;
      }
    }
    std::string text;
    if (msg.rfind("missing ", 0) == 0) {
      // "missing X at Y": the recovery inserted X.
      size_t at = msg.rfind(" at ");
      std::string what = msg.substr(8, at - 8);
      if (parser)
        for (size_t t = 1; t <= parser->getVocabulary().getMaxTokenType(); ++t)
          if (parser->getVocabulary().getSymbolicName(t) == what) what = describeToken(parser->getVocabulary(), t);
      text = "expected " + what + " before " + describeOffending(offending);
    } else {
      text = "unexpected " + describeOffending(offending);
      if (parser) text += expectation(*parser, offending);
    }
    diags_.report(DiagId::syntax_error, rangeOfToken(file_, offending), {text});
  }

private:
  uint32_t file_;
  DiagnosticEngine &diags_;
};

// ------------------------------------------------------------------ token pass

bool isOperator(size_t type) {
  switch (type) {
  case P::PLUS: case P::MINUS: case P::STAR: case P::SLASH: case P::PERCENT: case P::CARET:
  case P::BANG: case P::AND: case P::OR: case P::NOT: case P::ANDAND: case P::OROR:
  case P::LT: case P::GT: case P::LE: case P::GE: case P::EQ: case P::NE: case P::QUESTION:
  case P::DOT: case P::IN:
    return true;
  default:
    return false;
  }
}

/// Reports bad characters, retypes unit words, and enforces SourceLimits.
/// Returns false when parsing must not go ahead.
bool checkTokens(std::vector<std::unique_ptr<Token>> &tokens, uint32_t file, DiagnosticEngine &diags) {
  bool ok = true;
  int depth = 0, parenDepth = 0, operators = 0;
  std::vector<int> elseIfChain; // per brace depth: `else if`s in the current chain
  size_t prevLine = 0;
  const Token *prev = nullptr;
  for (auto &tp : tokens) {
    Token *t = tp.get();
    size_t type = t->getType();
    if (type == P::UNTERMINATED_COMMENT) {
      SourceRange r = rangeOfToken(file, t);
      r.endLine = r.line;
      r.endCol = r.col + 2;
      diags.report(DiagId::unterminated_comment, r);
      return false;
    }
    if (type == P::BAD_CHAR) {
      std::string s = t->getText();
      if (s == "\"") {
        diags.report(DiagId::unterminated_string, rangeOfToken(file, t));
        return false;
      }
      diags.report(DiagId::bad_character, rangeOfToken(file, t), {s});
      ok = false;
      continue;
    }
    if (type == P::IDENT && prev && (prev->getType() == P::INT || prev->getType() == P::NUMBER) &&
        prev->getLine() == t->getLine())
      static_cast<antlr4::CommonToken *>(t)->setType(P::UNIT);

    bool newLineAtTop = parenDepth == 0 && t->getLine() != prevLine;
    if (type == P::SEMI || type == P::LBRACE || type == P::RBRACE || newLineAtTop) operators = 0;
    // `else if` nests like a bracket in the tree: a chain counts toward the depth limit.
    if (type == P::IF) {
      if (elseIfChain.size() <= static_cast<size_t>(depth)) elseIfChain.resize(depth + 1, 0);
      elseIfChain[depth] = prev && prev->getType() == P::ELSE ? elseIfChain[depth] + 1 : 0;
      if (depth + elseIfChain[depth] > SourceLimits::kMaxBracketDepth) {
        diags.report(DiagId::nesting_too_deep, rangeOfToken(file, t),
                     {std::to_string(SourceLimits::kMaxBracketDepth)});
        return false;
      }
    }
    // Calls and subscripts chain like operators (f()()…, a[0][0]…): count them too.
    if ((type == P::LPAREN || type == P::LBRACK) && ++operators > SourceLimits::kMaxOperatorsPerStatement) {
      diags.report(DiagId::expression_too_long, rangeOfToken(file, t),
                   {std::to_string(SourceLimits::kMaxOperatorsPerStatement)});
      return false;
    }
    if (type == P::LPAREN || type == P::LBRACK || type == P::LBRACE) {
      if (type != P::LBRACE) ++parenDepth;
      if (++depth > SourceLimits::kMaxBracketDepth) {
        diags.report(DiagId::nesting_too_deep, rangeOfToken(file, t),
                     {std::to_string(SourceLimits::kMaxBracketDepth)});
        return false;
      }
    } else if (type == P::RPAREN || type == P::RBRACK || type == P::RBRACE) {
      if (type != P::RBRACE && parenDepth > 0) --parenDepth;
      if (depth > 0) --depth;
    } else if (isOperator(type) && ++operators > SourceLimits::kMaxOperatorsPerStatement) {
      diags.report(DiagId::expression_too_long, rangeOfToken(file, t),
                   {std::to_string(SourceLimits::kMaxOperatorsPerStatement)});
      return false;
    }
    prevLine = t->getLine();
    prev = t;
  }
  return ok;
}

// ------------------------------------------------------------------ tree building

class Builder {
public:
  Builder(uint32_t file, DiagnosticEngine &diags) : file_(file), diags_(diags) {}

  std::unique_ptr<Module> module(P::FileContext *ctx) {
    auto m = std::make_unique<Module>();
    m->file = file_;
    for (auto *child : ctx->children) {
      if (auto *imp = dynamic_cast<P::ImportDeclContext *>(child)) {
        Definition d;
        d.kind = DefKind::Import;
        for (auto *id : imp->qualifiedName()->IDENT()) d.import.path.push_back(id->getText());
        d.import.range = range(imp->qualifiedName());
        m->defs.push_back(std::move(d));
      } else if (auto *def = dynamic_cast<P::DefinitionContext *>(child)) {
        m->defs.push_back(definition(def));
      }
    }
    return m;
  }

private:
  SourceRange range(const Token *t) { return rangeOfToken(file_, t); }
  SourceRange range(antlr4::tree::TerminalNode *n) { return rangeOfToken(file_, n->getSymbol()); }
  SourceRange range(antlr4::ParserRuleContext *ctx) {
    return SourceRange::join(range(ctx->getStart()), range(ctx->getStop()));
  }

  Definition definition(P::DefinitionContext *ctx) {
    Definition d;
    if (auto *n = ctx->neuronDef()) {
      d.kind = DefKind::Neuron;
      d.model = modelDef(false, n->IDENT(), n->modelItem(), n);
    } else if (auto *s = ctx->synapseDef()) {
      d.kind = DefKind::Synapse;
      d.model = modelDef(true, s->IDENT(), s->modelItem(), s);
    } else if (auto *net = ctx->networkDef()) {
      d.kind = DefKind::Network;
      d.network = network(net);
    } else if (auto *f = ctx->functionDef()) {
      d.kind = DefKind::Function;
      d.function = function(f);
    } else if (auto *c = ctx->constDef()) {
      d.kind = DefKind::Const;
      d.constant = std::make_unique<ConstDef>();
      d.constant->name = c->IDENT()->getText();
      d.constant->range = range(c);
      d.constant->nameRange = range(c->IDENT());
      if (c->type()) d.constant->type = type(c->type());
      d.constant->value = expr(c->expr());
    }
    return d;
  }

  std::unique_ptr<ModelDef> modelDef(bool isSynapse, antlr4::tree::TerminalNode *name,
                                     const std::vector<P::ModelItemContext *> &items,
                                     antlr4::ParserRuleContext *ctx) {
    auto m = std::make_unique<ModelDef>();
    m->isSynapse = isSynapse;
    m->name = name->getText();
    m->nameRange = range(name);
    m->range = range(ctx);
    for (auto *it : items) m->items.push_back(modelItem(it));
    return m;
  }

  std::unique_ptr<FunctionDef> function(P::FunctionDefContext *ctx) {
    auto f = std::make_unique<FunctionDef>();
    f->name = ctx->IDENT()->getText();
    f->range = range(ctx);
    f->nameRange = range(ctx->IDENT());
    for (auto *p : ctx->funcParam())
      f->params.push_back({p->IDENT()->getText(), range(p->IDENT()), type(p->type())});
    if (ctx->type()) f->result = type(ctx->type());
    f->body = expr(ctx->expr());
    return f;
  }

  std::vector<VarDecl> vars(const std::vector<P::VarDeclContext *> &decls) {
    std::vector<VarDecl> out;
    for (auto *d : decls) {
      VarDecl v;
      v.name = d->IDENT()->getText();
      v.range = range(d->IDENT());
      if (d->type()) v.type = type(d->type());
      if (d->expr()) v.init = expr(d->expr());
      out.push_back(std::move(v));
    }
    return out;
  }

  ModelItem modelItem(P::ModelItemContext *ctx) {
    ModelItem it;
    it.range = range(ctx->getStart());
    if (auto *c = dynamic_cast<P::ParameterBlockContext *>(ctx)) {
      it.kind = ItemKind::Parameter;
      it.vars = vars(c->varDecl());
    } else if (auto *c = dynamic_cast<P::StateBlockContext *>(ctx)) {
      it.kind = ItemKind::State;
      it.vars = vars(c->varDecl());
    } else if (auto *c = dynamic_cast<P::InternalBlockContext *>(ctx)) {
      it.kind = ItemKind::Internal;
      it.vars = vars(c->varDecl());
    } else if (auto *c = dynamic_cast<P::InputBlockContext *>(ctx)) {
      it.kind = ItemKind::Input;
      for (auto *p : c->portDecl()) {
        PortDecl port;
        port.kind = p->kind->getText();
        port.kindRange = range(p->kind);
        port.name = p->name->getText();
        port.range = range(p->name);
        if (p->type()) port.type = type(p->type());
        it.ports.push_back(std::move(port));
      }
    } else if (auto *c = dynamic_cast<P::DynamicsBlockContext *>(ctx)) {
      it.kind = ItemKind::Dynamics;
      if (c->IDENT()) {
        it.word = c->IDENT()->getText();
        it.nameRange = range(c->IDENT());
      }
      for (auto *s : c->dynStmt()) it.stmts.push_back(dynStmt(s));
    } else if (auto *c = dynamic_cast<P::UpdateBlockContext *>(ctx)) {
      it.kind = ItemKind::Update;
      it.stmts = stmts(c->stmt());
    } else if (auto *c = dynamic_cast<P::ThresholdItemContext *>(ctx)) {
      it.kind = ItemKind::Threshold;
      it.expr = expr(c->expr());
    } else if (auto *c = dynamic_cast<P::ResetBlockContext *>(ctx)) {
      it.kind = ItemKind::Reset;
      if (c->HARD()) it.word = "hard";
      if (c->SOFT()) it.word = "soft";
      it.stmts = stmts(c->stmt());
    } else if (auto *c = dynamic_cast<P::RefractoryItemContext *>(ctx)) {
      it.kind = ItemKind::Refractory;
      it.expr = expr(c->expr());
      for (auto *id : c->IDENT()) {
        it.clamps.push_back(id->getText());
        it.clampRanges.push_back(range(id));
      }
    } else if (auto *c = dynamic_cast<P::EventBlockContext *>(ctx)) {
      it.kind = ItemKind::On;
      it.word = c->eventKind()->getText();
      it.nameRange = range(c->eventKind());
      if (c->IDENT()) {
        it.name = c->IDENT()->getText();
        it.nameRange = range(c->IDENT());
      }
      it.stmts = stmts(c->stmt());
    } else if (auto *c = dynamic_cast<P::ContinuousBlockContext *>(ctx)) {
      it.kind = ItemKind::Continuous;
      it.stmts = stmts(c->stmt());
    } else if (auto *c = dynamic_cast<P::SegmentBlockContext *>(ctx)) {
      it.kind = ItemKind::Segment;
      it.name = c->IDENT()->getText();
      it.nameRange = range(c->IDENT());
      it.expr = expr(c->expr());
      for (auto *sub : c->modelItem()) it.items.push_back(modelItem(sub));
    } else if (auto *c = dynamic_cast<P::LocalFunctionContext *>(ctx)) {
      it.kind = ItemKind::Function;
      it.function = function(c->functionDef());
    }
    return it;
  }

  StmtPtr dynStmt(P::DynStmtContext *ctx) {
    auto s = std::make_unique<Stmt>();
    s->range = range(ctx);
    if (auto *c = dynamic_cast<P::OdeStmtContext *>(ctx)) {
      s->kind = StmtKind::Ode;
      s->name = c->IDENT()->getText();
      s->nameRange = SourceRange::join(range(c->IDENT()), range(c->PRIME()));
      s->value = expr(c->expr());
    } else if (auto *c = dynamic_cast<P::AliasStmtContext *>(ctx)) {
      s->kind = StmtKind::Alias;
      s->name = c->IDENT()->getText();
      s->nameRange = range(c->IDENT());
      if (c->type()) s->type = type(c->type());
      s->value = expr(c->expr());
    }
    return s;
  }

  StmtList stmts(const std::vector<P::StmtContext *> &list) {
    StmtList out;
    for (auto *s : list) out.push_back(stmt(s));
    return out;
  }

  StmtPtr stmt(P::StmtContext *ctx) {
    auto s = std::make_unique<Stmt>();
    s->range = range(ctx);
    if (auto *c = dynamic_cast<P::LetStmtContext *>(ctx)) {
      s->kind = StmtKind::Let;
      s->name = c->IDENT()->getText();
      s->nameRange = range(c->IDENT());
      if (c->type()) s->type = type(c->type());
      s->value = expr(c->expr());
    } else if (auto *c = dynamic_cast<P::AssignStmtContext *>(ctx)) {
      s->kind = StmtKind::Assign;
      s->target = lvalue(c->lvalue());
      s->op = c->assignOp()->getText();
      s->value = expr(c->expr());
    } else if (auto *c = dynamic_cast<P::DeliverStmtContext *>(ctx)) {
      s->kind = StmtKind::Deliver;
      s->value = expr(c->expr());
    } else if (auto *c = dynamic_cast<P::IfStmtContext *>(ctx)) {
      s->kind = StmtKind::If;
      s->value = expr(c->expr());
      s->thenBody = stmts(c->stmt());
      if (auto *tail = c->ifTail()) {
        if (tail->ifStmt) {
          if (!dynamic_cast<P::IfStmtContext *>(tail->ifStmt))
            diags_.report(DiagId::syntax_error, range(tail->ifStmt->getStart()),
                          {"expected '{' or 'if' after 'else'"});
          s->elseIsIf = true;
          s->elseBody.push_back(stmt(tail->ifStmt));
        } else {
          s->elseBody = stmts(tail->stmt());
        }
      }
    }
    return s;
  }

  LValue lvalue(P::LvalueContext *ctx) {
    LValue lv;
    lv.range = range(ctx);
    for (auto *child : ctx->children) {
      auto *term = dynamic_cast<antlr4::tree::TerminalNode *>(child);
      if (!term) continue;
      size_t t = term->getSymbol()->getType();
      if (t == P::IDENT || t == P::PRE || t == P::POST) {
        lv.path.push_back(term->getText());
        lv.pathRanges.push_back(range(term));
      }
    }
    if (ctx->expr()) lv.index = expr(ctx->expr());
    return lv;
  }

  TypeSyntax type(P::TypeContext *ctx) {
    TypeSyntax t;
    t.range = range(ctx);
    t.bracketed = dynamic_cast<antlr4::tree::TerminalNode *>(ctx->children.front()) != nullptr;
    t.unit = unitExpr(ctx->unitExpr());
    if (ctx->expr()) t.size = expr(ctx->expr());
    return t;
  }

  // ---- unit expressions

  ExprPtr unitExpr(P::UnitExprContext *ctx) {
    auto factors = ctx->unitFactor();
    ExprPtr acc = unitFactor(factors[0]);
    size_t k = 1;
    for (auto *child : ctx->children) {
      auto *term = dynamic_cast<antlr4::tree::TerminalNode *>(child);
      if (!term) continue;
      ExprPtr rhs = unitFactor(factors[k++]);
      auto e = makeExpr(ExprKind::UnitBinary, SourceRange::join(acc->range, rhs->range));
      e->text = term->getText();
      e->children.push_back(std::move(acc));
      e->children.push_back(std::move(rhs));
      acc = std::move(e);
    }
    return acc;
  }

  ExprPtr unitFactor(P::UnitFactorContext *ctx) {
    ExprPtr atom = unitAtom(ctx->unitAtom());
    if (!ctx->CARET()) return atom;
    auto e = makeExpr(ExprKind::UnitPower, range(ctx));
    // Kept as written (saturating far above any real exponent); sema rejects |p| > 64.
    long p = std::strtol(ctx->INT()->getText().c_str(), nullptr, 10);
    if (p > 100000 || p < 0) p = 100000;
    e->power = static_cast<int>(ctx->MINUS() ? -p : p);
    e->children.push_back(std::move(atom));
    return e;
  }

  ExprPtr unitAtom(P::UnitAtomContext *ctx) {
    if (ctx->unitExpr()) return unitExpr(ctx->unitExpr());
    if (ctx->INT()) {
      auto e = makeExpr(ExprKind::UnitOne, range(ctx->INT()));
      e->text = ctx->INT()->getText(); // sema insists on "1"
      return e;
    }
    auto e = makeExpr(ExprKind::UnitWord, range(ctx->IDENT()));
    e->text = ctx->IDENT()->getText();
    return e;
  }

  ExprPtr unitWord(antlr4::tree::TerminalNode *n) {
    auto e = makeExpr(ExprKind::UnitWord, range(n));
    e->text = n->getText();
    e->afterNumber = true;
    return e;
  }

  // ---- expressions

  std::vector<Arg> args(P::ArgListContext *ctx) {
    std::vector<Arg> out;
    if (!ctx) return out;
    for (auto *a : ctx->arg()) {
      Arg arg;
      if (a->argName()) {
        arg.name = a->argName()->getText();
        arg.nameRange = range(a->argName());
      }
      arg.value = expr(a->expr());
      out.push_back(std::move(arg));
    }
    return out;
  }

  ExprPtr binary(antlr4::ParserRuleContext *ctx, P::ExprContext *lhs, P::ExprContext *rhs) {
    auto e = makeExpr(ExprKind::Binary, range(ctx));
    e->text = ctx->children[1]->getText();
    // Spell the word operators the way the printer writes them.
    if (e->text == "and") e->text = "&&";
    if (e->text == "or") e->text = "||";
    e->children.push_back(expr(lhs));
    e->children.push_back(expr(rhs));
    return e;
  }

  ExprPtr expr(P::ExprContext *ctx) {
    SourceRange r = range(ctx);
    if (auto *c = dynamic_cast<P::PrimaryExprContext *>(ctx)) return primary(c->primary());
    if (auto *c = dynamic_cast<P::CallContext *>(ctx)) {
      auto e = makeExpr(ExprKind::Call, r);
      e->children.push_back(expr(c->expr()));
      for (auto &a : args(c->callArgs()->argList())) {
        e->argNames.push_back(a.name);
        e->argNameRanges.push_back(a.nameRange);
        e->children.push_back(std::move(a.value));
      }
      return e;
    }
    if (auto *c = dynamic_cast<P::IndexContext *>(ctx)) {
      auto e = makeExpr(ExprKind::Index, r);
      e->children.push_back(expr(c->base));
      e->children.push_back(expr(c->first));
      if (c->last) e->children.push_back(expr(c->last));
      return e;
    }
    if (auto *c = dynamic_cast<P::MemberContext *>(ctx)) {
      auto e = makeExpr(ExprKind::Member, r);
      e->children.push_back(expr(c->expr()));
      e->member = c->IDENT()->getText();
      return e;
    }
    if (auto *c = dynamic_cast<P::PowerContext *>(ctx)) return binary(c, c->expr(0), c->expr(1));
    if (auto *c = dynamic_cast<P::MultiplicativeContext *>(ctx)) return binary(c, c->expr(0), c->expr(1));
    if (auto *c = dynamic_cast<P::AdditiveContext *>(ctx)) return binary(c, c->expr(0), c->expr(1));
    if (auto *c = dynamic_cast<P::ComparisonContext *>(ctx)) return binary(c, c->expr(0), c->expr(1));
    if (auto *c = dynamic_cast<P::AndExprContext *>(ctx)) return binary(c, c->expr(0), c->expr(1));
    if (auto *c = dynamic_cast<P::OrExprContext *>(ctx)) return binary(c, c->expr(0), c->expr(1));
    if (auto *c = dynamic_cast<P::UnaryContext *>(ctx)) {
      auto e = makeExpr(ExprKind::Unary, r);
      e->text = c->children[0]->getText();
      e->children.push_back(expr(c->expr()));
      return e;
    }
    if (auto *c = dynamic_cast<P::NotExprContext *>(ctx)) {
      auto e = makeExpr(ExprKind::Unary, r);
      e->text = "!";
      e->children.push_back(expr(c->expr()));
      return e;
    }
    if (auto *c = dynamic_cast<P::ConversionContext *>(ctx)) {
      auto e = makeExpr(ExprKind::Conversion, r);
      e->children.push_back(expr(c->expr()));
      e->children.push_back(unitExpr(c->unitSpec()->unitExpr()));
      return e;
    }
    if (auto *c = dynamic_cast<P::ConditionalContext *>(ctx)) {
      auto e = makeExpr(ExprKind::Conditional, r);
      e->children.push_back(expr(c->cond));
      e->children.push_back(expr(c->yes));
      e->children.push_back(expr(c->no));
      return e;
    }
    throw InternalError("unhandled expression form at line " + std::to_string(r.line));
  }

  ExprPtr primary(P::PrimaryContext *ctx) {
    SourceRange r = range(ctx);
    if (auto *c = dynamic_cast<P::NumberLiteralContext *>(ctx)) {
      auto e = makeExpr(ExprKind::Number, r);
      e->text = c->value->getText();
      e->value = std::strtod(e->text.c_str(), nullptr);
      e->isInt = c->value->getType() == P::INT;
      if (c->UNIT()) e->children.push_back(unitWord(c->UNIT()));
      else if (c->unitExpr()) e->children.push_back(unitExpr(c->unitExpr()));
      return e;
    }
    if (auto *c = dynamic_cast<P::BoolLiteralContext *>(ctx)) {
      auto e = makeExpr(ExprKind::Bool, r);
      e->boolValue = c->TRUE() != nullptr;
      return e;
    }
    if (auto *c = dynamic_cast<P::StringLiteralContext *>(ctx)) {
      auto e = makeExpr(ExprKind::String, r);
      std::string raw = c->STRING()->getText();
      for (size_t i = 1; i + 1 < raw.size(); ++i) {
        if (raw[i] == '\\' && i + 2 < raw.size()) {
          char n = raw[++i];
          e->text += n == 'n' ? '\n' : n == 't' ? '\t' : n;
        } else {
          e->text += raw[i];
        }
      }
      return e;
    }
    if (auto *c = dynamic_cast<P::NameRefContext *>(ctx)) {
      auto e = makeExpr(ExprKind::Name, r);
      e->text = c->IDENT()->getText();
      return e;
    }
    if (auto *c = dynamic_cast<P::EndpointRefContext *>(ctx)) {
      auto e = makeExpr(ExprKind::Endpoint, r);
      e->text = c->end->getText();
      e->member = c->IDENT()->getText();
      return e;
    }
    if (auto *c = dynamic_cast<P::ParenExprContext *>(ctx)) {
      ExprPtr inner = expr(c->expr());
      return inner;
    }
    if (auto *c = dynamic_cast<P::ListExprContext *>(ctx)) {
      auto e = makeExpr(ExprKind::List, r);
      for (auto *x : c->expr()) e->children.push_back(expr(x));
      return e;
    }
    throw InternalError("unhandled primary form at line " + std::to_string(r.line));
  }

  // ---- networks

  PopRef popRef(P::PopRefContext *ctx) {
    PopRef p;
    p.name = ctx->IDENT()->getText();
    p.range = range(ctx);
    if (ctx->first) p.first = expr(ctx->first);
    if (ctx->last) {
      p.last = expr(ctx->last);
      p.isSlice = true;
    }
    return p;
  }

  CallClause clause(antlr4::tree::TerminalNode *name, P::CallArgsContext *callArgs) {
    CallClause c;
    c.present = true;
    c.name = name->getText();
    c.range = range(name);
    if (callArgs) {
      c.hasParens = true;
      c.args = args(callArgs->argList());
    }
    return c;
  }

  std::unique_ptr<NetworkDef> network(P::NetworkDefContext *ctx) {
    auto net = std::make_unique<NetworkDef>();
    net->name = ctx->IDENT()->getText();
    net->range = range(ctx);
    net->nameRange = range(ctx->IDENT());
    for (auto *item : ctx->networkItem()) net->items.push_back(netItem(item));
    return net;
  }

  NetItem netItem(P::NetworkItemContext *ctx) {
    NetItem it;
    it.range = range(ctx->getStart());
    if (auto *c = dynamic_cast<P::NetConstContext *>(ctx)) {
      it.kind = NetItemKind::Const;
      it.name = c->IDENT()->getText();
      it.nameRange = range(c->IDENT());
      if (c->type()) it.type = type(c->type());
      it.value = expr(c->expr());
    } else if (auto *c = dynamic_cast<P::PopulationContext *>(ctx)) {
      it.kind = NetItemKind::Population;
      it.name = c->name->getText();
      it.nameRange = range(c->name);
      it.model = c->model->getText();
      it.modelRange = range(c->model);
      it.value = expr(c->expr());
      if (auto *init = c->initBlock()) {
        auto ids = init->IDENT();
        auto values = init->expr();
        for (size_t i = 0; i < ids.size(); ++i)
          it.inits.push_back({ids[i]->getText(), range(ids[i]), expr(values[i])});
      }
    } else if (auto *c = dynamic_cast<P::SourceContext *>(ctx)) {
      it.kind = NetItemKind::Source;
      it.name = c->name->getText();
      it.nameRange = range(c->name);
      it.source.present = true;
      it.source.name = c->kind->getText();
      it.source.range = range(c->kind);
      it.source.hasParens = true;
      it.source.args = args(c->args->argList());
      if (c->expr()) it.value = expr(c->expr());
      if (c->encoder) {
        it.encoder.present = true;
        it.encoder.name = c->encoder->getText();
        it.encoder.range = range(c->encoder);
        it.encoder.hasParens = true;
        it.encoder.args = args(c->encArgs->argList());
      }
    } else if (auto *c = dynamic_cast<P::ConnectContext *>(ctx)) {
      it.kind = NetItemKind::Connect;
      if (c->name) {
        it.name = c->name->getText();
        it.nameRange = range(c->name);
      }
      for (auto *p : c->pres->popRef()) it.pres.push_back(popRef(p));
      for (auto *p : c->posts->popRef()) it.posts.push_back(popRef(p));
      for (auto *cl : c->connectClause()) connectClause(it, cl);
    } else if (auto *c = dynamic_cast<P::SignalContext *>(ctx)) {
      it.kind = NetItemKind::Signal;
      it.name = c->IDENT()->getText();
      it.nameRange = range(c->IDENT());
      if (c->type()) it.type = type(c->type());
      it.value = expr(c->expr());
    } else if (auto *c = dynamic_cast<P::BroadcastContext *>(ctx)) {
      it.kind = NetItemKind::Broadcast;
      it.name = c->IDENT()->getText();
      it.nameRange = range(c->IDENT());
      for (auto *lv : c->lvalue()) it.targets.push_back(lvalue(lv));
    } else if (auto *c = dynamic_cast<P::RecordContext *>(ctx)) {
      it.kind = NetItemKind::Record;
      for (auto *t : c->recordTarget())
        it.records.push_back({popRef(t->popRef()), t->IDENT()->getText(), range(t->IDENT())});
      for (auto *opt : c->recordOption()) {
        ExprPtr *slot = opt->kind->getType() == P::EVERY ? &it.every
                        : opt->kind->getType() == P::FROM ? &it.from : &it.to;
        if (*slot) diags_.report(DiagId::syntax_error, range(opt->kind), {"'" + opt->kind->getText() + "' given twice"});
        *slot = expr(opt->expr());
      }
    } else if (auto *c = dynamic_cast<P::RunContext *>(ctx)) {
      it.kind = NetItemKind::Run;
      it.value = expr(c->expr());
      for (auto *na : c->namedArg())
        it.options.push_back({na->IDENT()->getText(), range(na->IDENT()), expr(na->expr())});
    }
    return it;
  }

  void connectClause(NetItem &it, P::ConnectClauseContext *ctx) {
    auto twice = [&](bool present, const char *what) {
      if (present) diags_.report(DiagId::duplicate_clause, range(ctx->getStart()), {what});
      return present;
    };
    if (auto *c = dynamic_cast<P::SynapseClauseContext *>(ctx)) {
      if (!twice(it.synapse.present, "with")) it.synapse = clause(c->IDENT(), c->callArgs());
    } else if (auto *c = dynamic_cast<P::ConnectorClauseContext *>(ctx)) {
      if (!twice(it.connector.present, "by")) it.connector = clause(c->IDENT(), c->callArgs());
    } else if (auto *c = dynamic_cast<P::DelayClauseContext *>(ctx)) {
      if (!twice(it.delay != nullptr, "delay")) it.delay = expr(c->expr());
    } else if (auto *c = dynamic_cast<P::OntoClauseContext *>(ctx)) {
      if (!twice(!it.onto.empty(), "onto")) {
        for (auto *id : c->IDENT()) it.onto.push_back(id->getText());
        it.ontoRange = SourceRange::join(range(c->IDENT().front()), range(c->IDENT().back()));
      }
    }
  }

  uint32_t file_;
  DiagnosticEngine &diags_;
};

} // namespace

std::unique_ptr<Module> parseModule(const SourceManager &sm, uint32_t file, DiagnosticEngine &diags) {
  const std::string &text = sm.text(file);
  if (text.size() > SourceLimits::kMaxFileBytes) {
    diags.report(DiagId::file_too_large, SourceRange{file, 1, 1, 1, 2},
                 {std::to_string(text.size()), std::to_string(SourceLimits::kMaxFileBytes)});
    return nullptr;
  }
  if (size_t nul = text.find('\0'); nul != std::string::npos) {
    diags.report(DiagId::nul_byte, rangeOfOffset(file, text, nul));
    return nullptr;
  }
  if (size_t bad = findInvalidUtf8(text); bad != std::string_view::npos) {
    char hex[3];
    std::snprintf(hex, sizeof hex, "%02X", static_cast<unsigned char>(text[bad]));
    diags.report(DiagId::invalid_utf8, rangeOfOffset(file, text, bad), {hex});
    return nullptr;
  }

  int errorsBefore = diags.errorCount();
  antlr4::ANTLRInputStream input(text);
  SomaLexer lexer(&input);
  lexer.removeErrorListeners();
  std::vector<std::unique_ptr<Token>> tokens = lexer.getAllTokens();
  if (!checkTokens(tokens, file, diags)) return nullptr;

  // End with an explicit EOF token placed at the end of the text: the token source then
  // never has to invent one (it cannot for an empty list).
  {
    size_t lastNl = text.rfind('\n');
    size_t line = std::count(text.begin(), text.end(), '\n') + 1;
    size_t col = countCodePoints(std::string_view(text).substr(lastNl == std::string::npos ? 0 : lastNl + 1));
    auto eof = std::make_unique<antlr4::CommonToken>(Token::EOF);
    eof->setLine(line);
    eof->setCharPositionInLine(col);
    eof->setText("<EOF>");
    tokens.push_back(std::move(eof));
  }
  antlr4::ListTokenSource source(std::move(tokens));
  antlr4::CommonTokenStream stream(&source);
  SomaParser parser(&stream);
  parser.removeErrorListeners();

  // Fast path: SLL prediction, bail at the first error; on failure re-parse with full LL
  // and error recovery so that every syntax error of the file is reported.
  P::FileContext *tree = nullptr;
  parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(antlr4::atn::PredictionMode::SLL);
  parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
  try {
    tree = parser.file();
  } catch (antlr4::ParseCancellationException &) {
    tree = nullptr;
  }
  SyntaxErrorListener listener(file, diags);
  if (!tree) {
    stream.seek(0);
    parser.reset();
    parser.addErrorListener(&listener);
    parser.setErrorHandler(std::make_shared<antlr4::DefaultErrorStrategy>());
    parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(antlr4::atn::PredictionMode::LL);
    tree = parser.file();
  }
  if (diags.errorCount() > errorsBefore) return nullptr;

  Builder builder(file, diags);
  auto module = builder.module(tree);
  if (diags.errorCount() > errorsBefore) return nullptr;
  return module;
}

} // namespace soma
