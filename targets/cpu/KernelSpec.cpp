#include "KernelSpec.h"

#include "KernelABI.h"

#include "soma/runtime/Random.h"

#include <charconv>
#include <cstring>
#include <sstream>
#include <unordered_map>

namespace soma::cpu {

uint64_t fnv1a64(std::string_view bytes) { return runtime::fnv1a64(bytes); }

namespace {

/// A 64-bit fingerprint of a model's IR: every node (operator, constant bits, slot, name,
/// operands) of everything a kernel is generated from. Shared nodes are hashed once.
class ModelFingerprint {
public:
  uint64_t of(const ir::Model &m) {
    str(m.name);
    num(m.isSynapse);
    for (const auto *vars : {&m.params, &m.internals, &m.states, &m.inputs}) {
      num(vars->size());
      for (const ir::Variable &v : *vars) {
        str(v.name);
        str(v.inputKind);
        node(v.init);
      }
    }
    num(m.odes.size());
    for (const ir::Ode &o : m.odes) {
      num(uint64_t(o.state));
      node(o.rhs);
    }
    num(m.subsystems.size());
    for (const ir::Subsystem &s : m.subsystems) {
      num(s.states.size());
      for (int x : s.states) num(uint64_t(x));
      num(uint64_t(s.method));
      num(s.linear);
      num(s.A.size());
      for (const auto &row : s.A) {
        num(row.size());
        for (const ir::NodeRef &a : row) node(a);
      }
      num(s.b.size());
      for (const ir::NodeRef &b : s.b) node(b);
    }
    str(m.methodOverride);
    node(m.threshold);
    str(m.resetKind);
    for (const ir::StmtList *list : {&m.reset, &m.update, &m.continuous}) stmts(*list);
    node(m.refractory);
    num(m.clamps.size());
    for (int c : m.clamps) num(uint64_t(c));
    num(m.events.size());
    for (const ir::EventBlock &e : m.events) {
      str(e.kind);
      str(e.name);
      stmts(e.body);
    }
    num(m.unsupported.size());
    for (const ir::Unsupported &u : m.unsupported) str(u.what);
    return fnv1a64(buf_);
  }

private:
  void num(uint64_t v) { buf_.append(reinterpret_cast<const char *>(&v), sizeof v); }
  void str(const std::string &s) {
    num(s.size());
    buf_ += s;
  }
  void node(const ir::NodeRef &n) {
    if (!n) {
      num(0);
      return;
    }
    auto it = ids_.find(n.get());
    if (it != ids_.end()) {
      num(it->second); // a back reference: the same DAG gives the same bytes
      return;
    }
    uint64_t id = ids_.size() + 1;
    ids_[n.get()] = id;
    num(~uint64_t(0));
    num(uint64_t(n->op));
    uint64_t bits;
    std::memcpy(&bits, &n->value, sizeof bits);
    num(bits);
    num(uint64_t(int64_t(n->index)));
    str(n->name);
    num(n->args.size());
    for (const ir::NodeRef &a : n->args) node(a);
  }
  void stmts(const ir::StmtList &list) {
    num(list.size());
    for (const ir::Stmt &s : list) {
      num(uint64_t(s.kind));
      num(uint64_t(s.targetOp));
      num(uint64_t(int64_t(s.target)));
      str(s.targetName);
      node(s.value);
      stmts(s.thenBody);
      stmts(s.elseBody);
    }
  }

  std::string buf_;
  std::unordered_map<const ir::Node *, uint64_t> ids_;
};

std::string hex64(uint64_t v) {
  char buf[19] = "0x";
  auto r = std::to_chars(buf + 2, buf + sizeof buf, v, 16);
  std::string digits(buf + 2, r.ptr);
  return "0x" + std::string(16 - digits.size(), '0') + digits;
}

std::string number(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return hex64(bits) + " (" + std::string(buf, r.ptr) + ")";
}

std::string optionalNumber(const std::optional<double> &v) { return v ? number(*v) : std::string("per-neuron"); }

} // namespace

std::string serializeKernelSpec(const KernelSpec &spec) {
  const ir::Model &m = *spec.model;
  std::ostringstream out;
  out << "kernel-abi " << SOMA_KERNEL_ABI_VERSION << "\n";
  out << "model " << m.name << " " << hex64(ModelFingerprint().of(m)) << "\n";
  out << "dt " << number(spec.dt) << "\n";
  auto name = [](const std::vector<ir::Variable> &vars, size_t k) {
    return k < vars.size() ? vars[k].name : "#" + std::to_string(k);
  };
  for (size_t k = 0; k < spec.params.size(); ++k)
    out << "param " << name(m.params, k) << " " << optionalNumber(spec.params[k]) << "\n";
  if (spec.internals.empty()) out << "internals folded-when-known\n";
  for (size_t k = 0; k < spec.internals.size(); ++k)
    out << "internal " << name(m.internals, k) << " " << optionalNumber(spec.internals[k]) << "\n";
  if (spec.propagators.empty()) out << "propagators shared\n";
  for (size_t s = 0; s < spec.propagators.size(); ++s) {
    const PropagatorSpec &p = spec.propagators[s];
    out << "propagator " << s << " "
        << (p.kind == PropagatorSpec::Folded ? "folded" : p.kind == PropagatorSpec::Shared ? "shared" : "per-neuron");
    if (p.kind == PropagatorSpec::Folded) {
      out << " P";
      for (double x : p.P) out << " " << number(x);
      out << " Q";
      for (double x : p.Q) out << " " << number(x);
    }
    out << "\n";
  }
  auto arrivals = [](Arrivals a) {
    return a == Arrivals::Absent ? "absent" : a == Arrivals::Present ? "present" : "check-at-run-time";
  };
  if (spec.jumps.empty()) out << "jumps check-at-run-time\n";
  for (size_t k = 0; k < spec.jumps.size(); ++k) out << "jump " << name(m.states, k) << " " << arrivals(spec.jumps[k]) << "\n";
  if (spec.inputs.empty()) out << "inputs check-at-run-time\n";
  for (size_t k = 0; k < spec.inputs.size(); ++k)
    out << "input " << name(m.inputs, k) << " " << arrivals(spec.inputs[k]) << "\n";
  return out.str();
}

std::string describeSpecDifference(const std::string &compiledFor, const std::string &now) {
  if (compiledFor == now) return "";
  std::istringstream a(compiledFor), b(now);
  std::string la, lb;
  for (;;) {
    bool ha = bool(std::getline(a, la)), hb = bool(std::getline(b, lb));
    if (!ha && !hb) return "the specialisations differ";
    if (!ha) la = "(nothing)";
    if (!hb) lb = "(nothing)";
    if (!ha || !hb || la != lb) return "compiled for: " + la + "\n  now: " + lb;
  }
}

} // namespace soma::cpu
