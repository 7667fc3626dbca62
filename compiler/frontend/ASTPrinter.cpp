#include "ASTPrinter.h"

#include <sstream>

namespace soma {

namespace {

// Binding strength, tightest highest; mirrors the order of `expr` in grammar/Soma.g4.
enum Prec { PCond = 4, POr, PAnd, PNot, PCompare, PConvert, PAdd, PMul, PUnary, PPower, PPostfix, PPrimary };

int precedence(const Expr &e) {
  switch (e.kind) {
  case ExprKind::Conditional: return PCond;
  case ExprKind::Conversion: return PConvert;
  case ExprKind::Unary: return e.text == "!" ? PNot : PUnary;
  case ExprKind::Binary: {
    const std::string &op = e.text;
    if (op == "||") return POr;
    if (op == "&&") return PAnd;
    if (op == "^") return PPower;
    if (op == "*" || op == "/" || op == "%") return PMul;
    if (op == "+" || op == "-") return PAdd;
    return PCompare;
  }
  case ExprKind::Call: case ExprKind::Index: case ExprKind::Member: return PPostfix;
  case ExprKind::Number:
    // A literal with a unit binds like a primary, but a negative one does not exist
    // (the minus is a Unary node).
    return PPrimary;
  default: return PPrimary;
  }
}

void printUnit(const Expr &e, std::string &out) {
  switch (e.kind) {
  case ExprKind::UnitWord: out += e.text; break;
  case ExprKind::UnitOne: out += e.text.empty() ? "1" : e.text; break;
  case ExprKind::UnitBinary: {
    printUnit(*e.children[0], out);
    out += e.text;
    bool paren = e.children[1]->kind == ExprKind::UnitBinary;
    if (paren) out += '(';
    printUnit(*e.children[1], out);
    if (paren) out += ')';
    break;
  }
  case ExprKind::UnitPower: {
    bool paren = e.children[0]->kind == ExprKind::UnitBinary || e.children[0]->kind == ExprKind::UnitPower;
    if (paren) out += '(';
    printUnit(*e.children[0], out);
    if (paren) out += ')';
    out += '^';
    out += std::to_string(e.power);
    break;
  }
  default: out += "<?>"; break;
  }
}

void print(const Expr &e, std::string &out);

void printChild(const Expr &child, int minPrec, std::string &out) {
  bool paren = precedence(child) < minPrec;
  if (paren) out += '(';
  print(child, out);
  if (paren) out += ')';
}

void print(const Expr &e, std::string &out) {
  switch (e.kind) {
  case ExprKind::Number:
    out += e.text;
    if (!e.children.empty()) {
      if (e.children[0]->kind == ExprKind::UnitWord) {
        out += ' ' + e.children[0]->text;
      } else {
        out += " [";
        printUnit(*e.children[0], out);
        out += ']';
      }
    }
    break;
  case ExprKind::Bool: out += e.boolValue ? "true" : "false"; break;
  case ExprKind::String:
    out += '"';
    for (char c : e.text) {
      if (c == '"' || c == '\\') out += '\\';
      if (c == '\n') { out += "\\n"; continue; }
      if (c == '\t') { out += "\\t"; continue; }
      out += c;
    }
    out += '"';
    break;
  case ExprKind::Name: out += e.text; break;
  case ExprKind::Endpoint: out += e.text + "." + e.member; break;
  case ExprKind::Unary:
    out += e.text;
    printChild(*e.children[0], e.text == "!" ? PNot : PUnary, out);
    break;
  case ExprKind::Binary: {
    int p = precedence(e);
    bool rightAssoc = e.text == "^";
    printChild(*e.children[0], rightAssoc ? p + 1 : p, out);
    if (p == PPower) {
      out += e.text;
    } else {
      out += ' ';
      out += e.text;
      out += ' ';
    }
    printChild(*e.children[1], rightAssoc ? p : p + 1, out);
    break;
  }
  case ExprKind::Conditional:
    printChild(*e.children[0], PCond + 1, out);
    out += " ? ";
    printChild(*e.children[1], PCond + 1, out);
    out += " : ";
    printChild(*e.children[2], PCond, out);
    break;
  case ExprKind::Call:
    printChild(*e.children[0], e.children[0]->kind == ExprKind::Number ? PPrimary + 1 : PPostfix, out);
    out += '(';
    for (size_t i = 1; i < e.children.size(); ++i) {
      if (i > 1) out += ", ";
      if (!e.argNames[i - 1].empty()) out += e.argNames[i - 1] + " = ";
      print(*e.children[i], out);
    }
    out += ')';
    break;
  case ExprKind::Index:
    // A number right before `[` would read as a number with a unit: (5)[1], not 5[1].
    printChild(*e.children[0], e.children[0]->kind == ExprKind::Number ? PPrimary + 1 : PPostfix, out);
    out += '[';
    print(*e.children[1], out);
    if (e.children.size() > 2) {
      out += ':';
      print(*e.children[2], out);
    }
    out += ']';
    break;
  case ExprKind::Member:
    // `1 .foo` printed as `1.foo` would read as the number `1.` with the unit `foo`.
    printChild(*e.children[0], e.children[0]->kind == ExprKind::Number ? PPrimary + 1 : PPostfix, out);
    out += '.';
    out += e.member;
    break;
  case ExprKind::List:
    out += '[';
    for (size_t i = 0; i < e.children.size(); ++i) {
      if (i) out += ", ";
      print(*e.children[i], out);
    }
    out += ']';
    break;
  case ExprKind::Conversion:
    printChild(*e.children[0], PConvert, out);
    out += " in ";
    if (e.children[1]->kind == ExprKind::UnitWord) {
      printUnit(*e.children[1], out);
    } else {
      out += '[';
      printUnit(*e.children[1], out);
      out += ']';
    }
    break;
  default: printUnit(e, out); break;
  }
}

class Printer {
public:
  explicit Printer(std::ostream &out) : out_(out) {}

  void module(const Module &m) {
    bool first = true;
    for (const Definition &d : m.defs) {
      if (!first && d.kind != DefKind::Import) out_ << '\n';
      first = false;
      switch (d.kind) {
      case DefKind::Import:
        out_ << "import ";
        for (size_t i = 0; i < d.import.path.size(); ++i) out_ << (i ? "." : "") << d.import.path[i];
        out_ << '\n';
        break;
      case DefKind::Neuron:
      case DefKind::Synapse: model(*d.model); break;
      case DefKind::Network: network(*d.network); break;
      case DefKind::Function: function(*d.function); break;
      case DefKind::Const:
        out_ << "const " << d.constant->name;
        if (d.constant->type) out_ << ": " << typeToString(*d.constant->type);
        out_ << " = " << exprToString(*d.constant->value) << '\n';
        break;
      }
    }
  }

private:
  void indent() { out_ << std::string(2 * depth_, ' '); }
  void open(const std::string &head) {
    indent();
    out_ << head << " {\n";
    ++depth_;
  }
  void close() {
    --depth_;
    indent();
    out_ << "}\n";
  }

  void function(const FunctionDef &f) {
    indent();
    out_ << "function " << f.name << '(';
    for (size_t i = 0; i < f.params.size(); ++i)
      out_ << (i ? ", " : "") << f.params[i].name << ": " << typeToString(f.params[i].type);
    out_ << ')';
    if (f.result) out_ << " -> " << typeToString(*f.result);
    out_ << " = " << exprToString(*f.body) << '\n';
  }

  void model(const ModelDef &m) {
    open(std::string(m.isSynapse ? "synapse " : "neuron ") + m.name);
    items(m.items);
    close();
  }

  void vars(const char *head, const std::vector<VarDecl> &vs) {
    open(head);
    for (const VarDecl &v : vs) {
      indent();
      out_ << v.name;
      if (v.type) out_ << ": " << typeToString(*v.type);
      if (v.init) out_ << " = " << exprToString(*v.init);
      out_ << '\n';
    }
    close();
  }

  void items(const std::vector<ModelItem> &list) {
    for (const ModelItem &it : list) {
      switch (it.kind) {
      case ItemKind::Parameter: vars("parameter", it.vars); break;
      case ItemKind::State: vars("state", it.vars); break;
      case ItemKind::Internal: vars("internal", it.vars); break;
      case ItemKind::Input:
        open("input");
        for (const PortDecl &p : it.ports) {
          indent();
          out_ << p.kind << ' ' << p.name;
          if (p.type) out_ << ": " << typeToString(*p.type);
          out_ << '\n';
        }
        close();
        break;
      case ItemKind::Dynamics:
        open(it.word.empty() ? "dynamics" : "dynamics using " + it.word);
        stmts(it.stmts);
        close();
        break;
      case ItemKind::Update: open("update"); stmts(it.stmts); close(); break;
      case ItemKind::Continuous: open("continuous"); stmts(it.stmts); close(); break;
      case ItemKind::Threshold:
        indent();
        out_ << "threshold " << exprToString(*it.expr) << '\n';
        break;
      case ItemKind::Reset:
        open(it.word.empty() ? "reset" : "reset " + it.word);
        stmts(it.stmts);
        close();
        break;
      case ItemKind::Refractory:
        indent();
        out_ << "refractory " << exprToString(*it.expr);
        for (size_t i = 0; i < it.clamps.size(); ++i) out_ << (i ? ", " : " clamps ") << it.clamps[i];
        out_ << '\n';
        break;
      case ItemKind::On:
        open("on " + it.word + (it.name.empty() ? "" : " " + it.name));
        stmts(it.stmts);
        close();
        break;
      case ItemKind::Segment:
        open("segment " + it.name + "[" + exprToString(*it.expr) + "]");
        items(it.items);
        close();
        break;
      case ItemKind::Function: function(*it.function); break;
      }
    }
  }

  void stmts(const StmtList &list) {
    for (const StmtPtr &s : list) stmt(*s, true);
  }

  std::string lvalue(const LValue &lv) {
    std::string s;
    for (size_t i = 0; i < lv.path.size(); ++i) s += (i ? "." : "") + lv.path[i];
    if (lv.index) s += "[" + exprToString(*lv.index) + "]";
    return s;
  }

  void stmt(const Stmt &s, bool doIndent) {
    if (doIndent) indent();
    switch (s.kind) {
    case StmtKind::Let:
    case StmtKind::Alias:
      out_ << "let " << s.name;
      if (s.type) out_ << ": " << typeToString(*s.type);
      out_ << " = " << exprToString(*s.value) << '\n';
      break;
    case StmtKind::Ode: out_ << s.name << "' = " << exprToString(*s.value) << '\n'; break;
    case StmtKind::Assign: out_ << lvalue(s.target) << ' ' << s.op << ' ' << exprToString(*s.value) << '\n'; break;
    case StmtKind::Deliver: out_ << "deliver " << exprToString(*s.value) << '\n'; break;
    case StmtKind::If:
      out_ << "if " << exprToString(*s.value) << " {\n";
      ++depth_;
      stmts(s.thenBody);
      --depth_;
      indent();
      out_ << '}';
      if (s.elseIsIf) {
        out_ << " else ";
        stmt(*s.elseBody.front(), false);
        return;
      }
      if (!s.elseBody.empty()) {
        out_ << " else {\n";
        ++depth_;
        stmts(s.elseBody);
        --depth_;
        indent();
        out_ << '}';
      }
      out_ << '\n';
      break;
    }
  }

  static std::string args(const std::vector<Arg> &list) {
    std::string s;
    for (size_t i = 0; i < list.size(); ++i) {
      if (i) s += ", ";
      if (!list[i].name.empty()) s += list[i].name + " = ";
      s += exprToString(*list[i].value);
    }
    return s;
  }

  static std::string clause(const CallClause &c) {
    return c.hasParens ? c.name + "(" + args(c.args) + ")" : c.name;
  }

  static std::string popRef(const PopRef &p) {
    std::string s = p.name;
    if (p.first) {
      s += "[" + exprToString(*p.first);
      if (p.isSlice) s += ":" + exprToString(*p.last);
      s += "]";
    }
    return s;
  }

  void network(const NetworkDef &net) {
    open("network " + net.name);
    for (const NetItem &it : net.items) {
      indent();
      switch (it.kind) {
      case NetItemKind::Const:
        out_ << "const " << it.name;
        if (it.type) out_ << ": " << typeToString(*it.type);
        out_ << " = " << exprToString(*it.value);
        break;
      case NetItemKind::Population:
        out_ << "population " << it.name << " = " << it.model << '[' << exprToString(*it.value) << ']';
        if (!it.inits.empty()) {
          out_ << " {";
          for (size_t i = 0; i < it.inits.size(); ++i)
            out_ << (i ? "; " : " ") << it.inits[i].name << " = " << exprToString(*it.inits[i].value);
          out_ << " }";
        }
        break;
      case NetItemKind::Source:
        out_ << "source " << it.name << " = " << it.source.name;
        if (it.value) out_ << '[' << exprToString(*it.value) << ']';
        out_ << '(' << args(it.source.args) << ')';
        if (it.encoder.present) out_ << " encode " << clause(it.encoder);
        break;
      case NetItemKind::Connect: {
        out_ << "connect ";
        if (!it.name.empty()) out_ << it.name << ": ";
        for (size_t i = 0; i < it.pres.size(); ++i) out_ << (i ? ", " : "") << popRef(it.pres[i]);
        out_ << " -> ";
        for (size_t i = 0; i < it.posts.size(); ++i) out_ << (i ? ", " : "") << popRef(it.posts[i]);
        if (it.synapse.present) out_ << " with " << clause(it.synapse);
        if (it.connector.present) out_ << " by " << clause(it.connector);
        if (it.delay) out_ << " delay " << exprToString(*it.delay);
        if (!it.onto.empty()) {
          out_ << " onto " << it.onto[0];
          if (it.onto.size() > 1) out_ << '.' << it.onto[1];
        }
        break;
      }
      case NetItemKind::Signal:
        out_ << "signal " << it.name;
        if (it.type) out_ << ": " << typeToString(*it.type);
        out_ << " = " << exprToString(*it.value);
        break;
      case NetItemKind::Broadcast:
        out_ << "broadcast " << it.name << " -> ";
        for (size_t i = 0; i < it.targets.size(); ++i) out_ << (i ? ", " : "") << lvalue(it.targets[i]);
        break;
      case NetItemKind::Record:
        out_ << "record ";
        for (size_t i = 0; i < it.records.size(); ++i)
          out_ << (i ? ", " : "") << popRef(it.records[i].pop) << '.' << it.records[i].member;
        if (it.every) out_ << " every " << exprToString(*it.every);
        if (it.from) out_ << " from " << exprToString(*it.from);
        if (it.to) out_ << " to " << exprToString(*it.to);
        break;
      case NetItemKind::Run:
        out_ << "run " << exprToString(*it.value);
        if (!it.options.empty()) out_ << " with " << args(it.options);
        break;
      }
      out_ << '\n';
    }
    close();
  }

  std::ostream &out_;
  int depth_ = 0;
};

} // namespace

std::string exprToString(const Expr &e) {
  std::string s;
  print(e, s);
  return s;
}

std::string typeToString(const TypeSyntax &t) {
  std::string s;
  printUnit(*t.unit, s);
  if (t.size) s += "[" + exprToString(*t.size) + "]";
  return s;
}

void printModule(const Module &module, std::ostream &out) { Printer(out).module(module); }

} // namespace soma
