#include "NetworkGraph.h"

#include "FoldConstants.h"
#include "Lower.h"
#include "SynapseUnits.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <map>

namespace soma::graph {

const char *variationName(Variation v) {
  switch (v) {
  case Variation::Unknown: return "unknown";
  case Variation::Constant: return "constant";
  case Variation::Uniform: return "uniform";
  case Variation::PerElement: return "per-element";
  }
  return "?";
}

const char *vertexKindName(VertexKind k) {
  switch (k) {
  case VertexKind::Population: return "population";
  case VertexKind::Poisson: return "poisson";
  case VertexKind::SpikeArray: return "spike_array";
  case VertexKind::Current: return "current";
  case VertexKind::Analog: return "analog";
  }
  return "?";
}

const char *connectorName(ConnectorKind k) {
  switch (k) {
  case ConnectorKind::AllToAll: return "all_to_all";
  case ConnectorKind::OneToOne: return "one_to_one";
  case ConnectorKind::FixedProbability: return "fixed_probability";
  case ConnectorKind::FixedIndegree: return "fixed_indegree";
  case ConnectorKind::FixedOutdegree: return "fixed_outdegree";
  case ConnectorKind::FromFile: return "from_file";
  }
  return "?";
}

std::vector<EdgeId> edgesInOrder(const NetworkGraph &g) {
  std::vector<EdgeId> out;
  for (auto [ei, eend] = boost::edges(g.g); ei != eend; ++ei) out.push_back(*ei);
  std::sort(out.begin(), out.end(), [&](const EdgeId &a, const EdgeId &b) { return g.g[a].id < g.g[b].id; });
  return out;
}

int findVertex(const NetworkGraph &g, const std::string &name) {
  for (size_t v = 0; v < boost::num_vertices(g.g); ++v)
    if (g.g[v].name == name) return static_cast<int>(v);
  return -1;
}

namespace {

using ir::NodeRef;

// ------------------------------------------------------------------ argument signatures

// Network built-ins, positional in this order (as in sema).
enum class ArgKind { Time, Frequency, Own, Dimensionless, String, List, Bool, Probability, Count };
struct ArgSpec {
  const char *name;
  ArgKind kind;
};
const std::vector<ArgSpec> *specOf(const std::string &table, const std::string &name) {
  static const std::map<std::string, std::vector<ArgSpec>> sources = {
      {"poisson", {{"rate", ArgKind::Frequency}, {"start", ArgKind::Time}, {"stop", ArgKind::Time}}},
      {"spike_array", {{"times", ArgKind::List}, {"file", ArgKind::String}}},
      {"current", {{"amplitude", ArgKind::Own}, {"start", ArgKind::Time}, {"stop", ArgKind::Time}}},
      {"analog", {{"file", ArgKind::String}, {"signal", ArgKind::Own}}},
  };
  static const std::map<std::string, std::vector<ArgSpec>> encoders = {
      {"rate", {{"max_rate", ArgKind::Frequency}}},
      {"latency", {{"t_max", ArgKind::Time}}},
      {"delta", {{"threshold", ArgKind::Own}}},
      {"sigma_delta", {{"threshold", ArgKind::Own}, {"adapt", ArgKind::Dimensionless}, {"tau_adapt", ArgKind::Time}}},
  };
  static const std::map<std::string, std::vector<ArgSpec>> connectors = {
      {"all_to_all", {{"allow_self", ArgKind::Bool}, {"allow_multiple", ArgKind::Bool}}},
      {"one_to_one", {}},
      {"fixed_probability",
       {{"p", ArgKind::Probability}, {"allow_self", ArgKind::Bool}, {"allow_multiple", ArgKind::Bool}}},
      {"fixed_indegree", {{"k", ArgKind::Count}, {"allow_self", ArgKind::Bool}, {"allow_multiple", ArgKind::Bool}}},
      {"fixed_outdegree", {{"k", ArgKind::Count}, {"allow_self", ArgKind::Bool}, {"allow_multiple", ArgKind::Bool}}},
      {"from_file", {{"file", ArgKind::String}}},
  };
  const auto &t = table == "source" ? sources : table == "encoder" ? encoders : connectors;
  auto it = t.find(name);
  return it == t.end() ? nullptr : &it->second;
}

/// The arguments of a call clause by parameter name (positional ones take the order).
std::vector<std::pair<const ArgSpec *, const Arg *>> namedArgs(const std::vector<ArgSpec> &spec,
                                                               const std::vector<Arg> &args) {
  std::vector<std::pair<const ArgSpec *, const Arg *>> out;
  for (size_t i = 0; i < args.size(); ++i) {
    const ArgSpec *s = nullptr;
    if (args[i].name.empty()) {
      if (i < spec.size()) s = &spec[i];
    } else {
      for (const ArgSpec &c : spec)
        if (args[i].name == c.name) s = &c;
    }
    if (s) out.push_back({s, &args[i]});
  }
  // In signature order, so that dumps do not depend on how the call was written.
  std::stable_sort(out.begin(), out.end(), [](auto &a, auto &b) { return a.first < b.first; });
  return out;
}

const Unit &msUnit() {
  static const Unit u = *lookupUnitWord("ms");
  return u;
}
const Unit &hzUnit() {
  static const Unit u = *lookupUnitWord("Hz");
  return u;
}

bool numeric(const Type &t) { return t.kind == Type::Real || t.kind == Type::Int; }
Unit unitOfType(const Type &t) { return t.kind == Type::Real ? t.unit : Unit{}; }

NodeRef scaled(NodeRef n, double f) { return f == 1 ? n : ir::binary(ir::Op::Mul, n, ir::constant(f)); }

std::string number(double v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

// ------------------------------------------------------------------ the builder

class Builder {
public:
  Builder(const SemaResult &sema, const std::vector<ir::Model> &models, const NetworkDef &net,
          DiagnosticEngine &diags)
      : sema_(sema), models_(models), net_(net), diags_(diags) {}

  NetworkGraph build() {
    g_.name = net_.name;
    g_.range = net_.nameRange;
    g_.models = &models_;
    // Populations and sources first: connects, records and broadcasts may name them in any order.
    for (const NetItem &it : net_.items) {
      if (it.kind == NetItemKind::Population) population(it);
      if (it.kind == NetItemKind::Source) source(it);
    }
    for (const NetItem &it : net_.items)
      if (it.kind == NetItemKind::Run) run(it);
    int connectIndex = 0;
    for (const NetItem &it : net_.items) {
      switch (it.kind) {
      case NetItemKind::Connect: connect(it, connectIndex++); break;
      case NetItemKind::Signal: signal(it); break;
      default: break;
      }
    }
    for (const NetItem &it : net_.items) {
      if (it.kind == NetItemKind::Broadcast) broadcast(it);
      if (it.kind == NetItemKind::Record) record(it);
    }
    return std::move(g_);
  }

private:
  // ---- values
  NodeRef lower(const Expr &e, bool connect, int *draws, std::vector<ir::Unsupported> *unsupported) {
    NetworkExprContext ctx;
    ctx.network = &net_;
    ctx.connect = connect;
    ctx.draws = draws;
    return lowerNetworkExpr(sema_, e, ctx, diags_, unsupported);
  }

  std::optional<double> constant(const Expr &e, const Unit &to) {
    NodeRef n = lower(e, false, nullptr, nullptr);
    auto v = evaluateIfConstant(n);
    if (!v) return std::nullopt;
    return numeric(e.type) ? *v * unitOfType(e.type).conversionFactorTo(to) : *v;
  }

  std::optional<long long> integer(const Expr &e) {
    auto v = constant(e, Unit{});
    if (!v || std::floor(*v) != *v) return std::nullopt;
    return static_cast<long long>(*v);
  }

  /// A value converted to `to`; with `own`, kept in the unit of the expression.
  Value value(const Expr &e, const Unit *to, bool connect, const std::string &stream,
              std::vector<ir::Unsupported> *unsupported) {
    Value v;
    int draws = 0;
    v.node = lower(e, connect, &draws, unsupported);
    v.unit = to ? *to : unitOfType(e.type);
    if (to && numeric(e.type)) v.node = scaled(v.node, unitOfType(e.type).conversionFactorTo(*to));
    v.given = true;
    v.stream = stream;
    v.range = e.range;
    return v;
  }

  /// A model default (an expression of the model's members), in the member's unit.
  static Value modelDefault(const ir::Variable &var) {
    Value v;
    v.node = var.init;
    v.unit = unitOfType(var.type);
    return v;
  }

  std::string stream(const std::string &owner, const std::string &member) const {
    return net_.name + "." + owner + "." + member;
  }

  // ---- models
  int modelIndex(const std::string &name, bool synapse) const {
    int found = -1;
    for (size_t k = 0; k < sema_.models.size(); ++k) {
      const ModelDef *d = sema_.models[k].def;
      if (d->name != name || d->isSynapse != synapse) continue;
      // Prefer a model of the network's own file (another module may reuse the name).
      if (found < 0 || d->range.file == net_.range.file) found = static_cast<int>(k);
    }
    return found;
  }

  const ModelSummary *summaryOfVertex(int v) const {
    if (v < 0) return nullptr;
    int m = g_.g[v].model;
    return m < 0 ? nullptr : &sema_.models[m];
  }

  // ---- items
  void population(const NetItem &it) {
    Vertex v;
    v.name = it.name;
    v.kind = VertexKind::Population;
    v.range = it.nameRange;
    if (it.value)
      if (auto n = integer(*it.value)) v.size = static_cast<int>(*n);
    v.model = modelIndex(it.model, false);
    if (v.model >= 0) {
      const ir::Model &m = models_[v.model];
      for (const ir::Variable &p : m.params) v.params.push_back(modelDefault(p));
      for (const ir::Variable &p : m.internals) v.internals.push_back(modelDefault(p));
      for (const ir::Variable &s : m.states) v.states.push_back(modelDefault(s));
      for (const Arg &a : it.inits) {
        auto set = [&](const std::vector<ir::Variable> &vars, std::vector<Value> &values) {
          for (size_t k = 0; k < vars.size(); ++k)
            if (vars[k].name == a.name) {
              Unit to = unitOfType(vars[k].type);
              values[k] = value(*a.value, &to, false, stream(it.name, a.name), &v.unsupported);
              return true;
            }
          return false;
        };
        if (set(m.params, v.params) || set(m.states, v.states)) continue;
        // A vector parameter or state: a list sets each element, a scalar fills them all.
        auto setVector = [&](const std::vector<ir::Variable> &vars, std::vector<Value> &values) {
          bool any = false;
          for (size_t k = 0; k < vars.size(); ++k) {
            const std::string &n = vars[k].name;
            if (n.size() <= a.name.size() + 2 || n.compare(0, a.name.size(), a.name) != 0 || n[a.name.size()] != '[')
              continue;
            int elem = std::atoi(n.c_str() + a.name.size() + 1);
            Unit to = unitOfType(vars[k].type);
            const Expr *x = a.value.get();
            if (x->kind == ExprKind::List) {
              if (elem >= static_cast<int>(x->children.size())) continue;
              x = x->children[elem].get();
            }
            values[k] = value(*x, &to, false, stream(it.name, n), &v.unsupported);
            any = true;
          }
          return any;
        };
        if (!setVector(m.params, v.params)) setVector(m.states, v.states);
      }
    }
    boost::add_vertex(std::move(v), g_.g);
  }

  void source(const NetItem &it) {
    Vertex v;
    v.name = it.name;
    v.range = it.nameRange;
    const std::string &kind = it.source.name;
    v.kind = kind == "poisson"       ? VertexKind::Poisson
             : kind == "spike_array" ? VertexKind::SpikeArray
             : kind == "current"     ? VertexKind::Current
                                     : VertexKind::Analog;
    v.size = 1;
    if (it.value)
      if (auto n = integer(*it.value)) v.size = static_cast<int>(*n);
    if (const auto *spec = specOf("source", kind))
      for (auto [s, a] : namedArgs(*spec, it.source.args)) {
        if (s->kind == ArgKind::String) v.file = a->value->text;
        else if (s->kind == ArgKind::List) v.times = times(*a->value, v.unsupported);
        else v.args.push_back({s->name, argValue(*s, *a->value, stream(it.name, s->name), v.unsupported)});
      }
    if (it.encoder.present) {
      Encoder enc;
      enc.name = it.encoder.name;
      enc.range = it.encoder.range;
      if (const auto *spec = specOf("encoder", enc.name))
        for (auto [s, a] : namedArgs(*spec, it.encoder.args))
          enc.args.push_back({s->name, argValue(*s, *a->value, stream(it.name, s->name), v.unsupported)});
      v.encoder = std::move(enc);
    }
    boost::add_vertex(std::move(v), g_.g);
  }

  Value argValue(const ArgSpec &s, const Expr &e, const std::string &streamName,
                 std::vector<ir::Unsupported> &unsupported) {
    switch (s.kind) {
    case ArgKind::Time: return value(e, &msUnit(), false, streamName, &unsupported);
    case ArgKind::Frequency: return value(e, &hzUnit(), false, streamName, &unsupported);
    case ArgKind::Dimensionless: {
      Unit one;
      return value(e, &one, false, streamName, &unsupported);
    }
    default: return value(e, nullptr, false, streamName, &unsupported);
    }
  }

  /// The expression a constant name stands for (to see through `const T = [1 ms, 2 ms]`).
  const Expr *resolveConst(const Expr &e) const {
    const Expr *cur = &e;
    for (int hops = 0; hops < 64 && cur->kind == ExprKind::Name; ++hops) {
      const Expr *next = nullptr;
      for (const NetItem &it : net_.items)
        if (it.kind == NetItemKind::Const && it.name == cur->text) next = it.value.get();
      if (!next)
        for (const GlobalInfo &gl : sema_.globals)
          if (gl.name == cur->text && gl.init) next = gl.init;
      if (!next) break;
      cur = next;
    }
    return cur;
  }

  /// spike_array times in ms: a list of times, or a list of lists (one per channel).
  std::vector<std::vector<double>> times(const Expr &e, std::vector<ir::Unsupported> &unsupported) {
    std::vector<std::vector<double>> out;
    const Expr &list = *resolveConst(e);
    if (list.kind != ExprKind::List) {
      unsupported.push_back({"spike times that are not a list literal", e.range});
      return out;
    }
    auto flat = [&](const Expr &l, std::vector<double> &into) {
      for (const ExprPtr &c : l.children) {
        const Expr &x = *resolveConst(*c);
        if (auto v = constant(*c, msUnit())) into.push_back(*v);
        else unsupported.push_back({"a spike time that is not a constant", x.range});
      }
    };
    bool nested = !list.children.empty() && resolveConst(*list.children[0])->kind == ExprKind::List;
    if (!nested) {
      out.emplace_back();
      flat(list, out.back());
    } else {
      for (const ExprPtr &c : list.children) {
        out.emplace_back();
        const Expr &inner = *resolveConst(*c);
        if (inner.kind == ExprKind::List) flat(inner, out.back());
        else unsupported.push_back({"a channel's spike times that are not a list", c->range});
      }
    }
    return out;
  }

  struct End {
    int vertex = -1;
    Slice slice;
    std::string text;      // as written, for messages
  };

  End end(const PopRef &p) {
    End e;
    e.vertex = findVertex(g_, p.name);
    e.text = p.name;
    int size = e.vertex >= 0 ? g_.g[e.vertex].size : 0;
    e.slice = {0, size, true};
    if (p.first) {
      auto a = integer(*p.first);
      auto b = p.last ? integer(*p.last) : std::optional<long long>(a ? *a + 1 : 0);
      if (a && b) e.slice = {static_cast<int>(*a), static_cast<int>(*b), false};
      e.text += "[" + std::to_string(e.slice.first) +
                (p.last ? ":" + std::to_string(e.slice.last) : std::string()) + "]";
    }
    return e;
  }

  void connect(const NetItem &it, int index) {
    std::vector<End> pres, posts;
    for (const PopRef &p : it.pres) pres.push_back(end(p));
    for (const PopRef &p : it.posts) posts.push_back(end(p));
    int synapse = it.synapse.present ? modelIndex(it.synapse.name, true) : -1;
    bool several = pres.size() * posts.size() > 1;
    std::string label = it.name.empty() ? "connect" + std::to_string(index) : it.name;
    for (const End &pre : pres)
      for (const End &post : posts) {
        if (pre.vertex < 0 || post.vertex < 0) continue;
        Edge e;
        e.id = nextEdge_++;
        e.connect = index;
        e.name = it.name;
        e.range = it.range;
        e.preVertex = pre.vertex;
        e.postVertex = post.vertex;
        e.pre = pre.slice;
        e.post = post.slice;
        e.synapse = synapse;
        std::string owner = label + (several ? ":" + g_.g[pre.vertex].name + "->" + g_.g[post.vertex].name : "");
        edgeValues(e, it, owner);
        edgeConnector(e, it, pre, post);
        edgeDelay(e, it, owner);
        edgeOnto(e, it);
        edgeUnits(e);
        boost::add_edge(pre.vertex, post.vertex, std::move(e), g_.g);
      }
  }

  void edgeValues(Edge &e, const NetItem &it, const std::string &owner) {
    if (e.synapse < 0) return;
    const ir::Model &m = models_[e.synapse];
    const ModelSummary &ms = sema_.models[e.synapse];
    for (const ir::Variable &p : m.params) {
      const MemberInfo *mi = nullptr;
      for (const MemberInfo &x : ms.members)
        if (x.kind == MemberInfo::Param && x.name == p.name) mi = &x;
      bool generic = mi && mi->generic;
      const Arg *given = nullptr;
      for (const Arg &a : it.synapse.args)
        if (a.name == p.name) given = &a; // sema named the positional ones
      Value v;
      if (given) {
        Unit to = unitOfType(p.type);
        v = value(*given->value, generic ? nullptr : &to, true, stream(owner, p.name), &e.unsupported);
      } else {
        v = modelDefault(p);
        if (generic && mi->init) v.unit = unitOfType(mi->init->type);
      }
      e.args.push_back(std::move(v));
      e.generic.push_back(generic);
    }
    for (const ir::Variable &x : m.internals) e.internals.push_back(modelDefault(x));
    for (const ir::Variable &s : m.states) e.states.push_back(modelDefault(s));
  }

  void edgeConnector(Edge &e, const NetItem &it, const End &pre, const End &post) {
    Connector &c = e.connector;
    bool same = e.preVertex == e.postVertex;
    if (it.connector.present) {
      c.given = true;
      c.range = it.connector.range;
      const std::string &n = it.connector.name;
      c.kind = n == "one_to_one"          ? ConnectorKind::OneToOne
               : n == "fixed_probability" ? ConnectorKind::FixedProbability
               : n == "fixed_indegree"    ? ConnectorKind::FixedIndegree
               : n == "fixed_outdegree"   ? ConnectorKind::FixedOutdegree
               : n == "from_file"         ? ConnectorKind::FromFile
                                          : ConnectorKind::AllToAll;
    }
    c.samePopulation = same;
    bool file = c.kind == ConnectorKind::FromFile;
    c.allowSelf = file || !same;
    c.allowMultiple = file;
    const Expr *kExpr = nullptr;
    if (const auto *spec = specOf("connector", connectorName(c.kind)))
      for (auto [s, a] : namedArgs(*spec, it.connector.args)) {
        const Expr &x = *a->value;
        std::string what = "'" + std::string(s->name) + "' of '" + connectorName(c.kind) + "'";
        switch (s->kind) {
        case ArgKind::String: c.file = x.text; break;
        case ArgKind::Probability:
          if (auto v = constant(x, Unit{})) c.p = *v;
          else diags_.report(DiagId::not_constant, x.range, {what});
          break;
        case ArgKind::Count:
          kExpr = &x;
          if (auto v = integer(x)) c.k = *v;
          else diags_.report(DiagId::not_constant, x.range, {what});
          break;
        case ArgKind::Bool: {
          auto v = constant(x, Unit{});
          if (!v) {
            diags_.report(DiagId::not_constant, x.range, {what});
            break;
          }
          if (std::string(s->name) == "allow_self") {
            c.allowSelf = *v != 0;
            c.allowSelfGiven = true;
          } else {
            c.allowMultiple = *v != 0;
            c.allowMultipleGiven = true;
          }
          break;
        }
        default: break;
        }
      }
    if (c.kind == ConnectorKind::OneToOne && pre.slice.size() != post.slice.size())
      diags_.report(DiagId::one_to_one_size, c.range,
                    {pre.text, std::to_string(pre.slice.size()), post.text, std::to_string(post.slice.size())});
    if ((c.kind == ConnectorKind::FixedIndegree || c.kind == ConnectorKind::FixedOutdegree) && !c.allowMultiple &&
        kExpr) {
      bool in = c.kind == ConnectorKind::FixedIndegree;
      const Slice &from = in ? e.pre : e.post, &to = in ? e.post : e.pre;
      long long candidates = from.size();
      bool overlap = same && from.first < to.last && to.first < from.last;
      if (overlap && !c.allowSelf) candidates -= 1; // the neuron itself
      if (c.k > candidates)
        diags_.report(DiagId::degree_too_large, kExpr->range,
                      {connectorName(c.kind), std::to_string(c.k), in ? "presynaptic" : "postsynaptic",
                       std::to_string(std::max(0LL, candidates))});
    }
  }

  void edgeDelay(Edge &e, const NetItem &it, const std::string &owner) {
    if (it.delay) {
      e.delay = value(*it.delay, &msUnit(), true, stream(owner, "delay"), &e.unsupported);
      e.delayGiven = true;
      checkDelay(e.delay);
    } else {
      // One step, the least a delay can be.
      e.delay.node = ir::constant(g_.run.dt);
      e.delay.unit = msUnit();
    }
  }

  void edgeOnto(Edge &e, const NetItem &it) {
    if (it.onto.empty()) return;
    Onto &o = e.onto;
    o.range = it.ontoRange;
    const Vertex &post = g_.g[e.postVertex];
    if (post.model < 0) return;
    const ir::Model &m = models_[post.model];
    if (it.onto.size() == 1) {
      o.member = it.onto[0];
      for (size_t k = 0; k < m.states.size(); ++k)
        if (m.states[k].name == o.member) {
          o.kind = Onto::State;
          o.index = static_cast<int>(k);
          o.unit = unitOfType(m.states[k].type);
        }
      for (size_t k = 0; k < m.inputs.size() && o.kind == Onto::None; ++k)
        if (m.inputs[k].name == o.member) {
          o.kind = Onto::Input;
          o.index = static_cast<int>(k);
          o.unit = unitOfType(m.inputs[k].type);
          o.inputKind = m.inputs[k].inputKind;
        }
      return;
    }
    // `segment.member`: a segment's input is in the model IR as "segment.member"; anything
    // else (a segment state) is not: then the unit comes from the AST.
    o.kind = Onto::SegmentMember;
    o.segment = it.onto[0];
    o.member = it.onto[1];
    for (size_t k = 0; k < m.inputs.size(); ++k)
      if (m.inputs[k].segment >= 0 && m.inputs[k].name == o.segment + "." + o.member) {
        o.index = static_cast<int>(k);
        o.unit = unitOfType(m.inputs[k].type);
        o.inputKind = m.inputs[k].inputKind;
        o.segments = m.segments[size_t(m.inputs[k].segment)].size;
        return;
      }
    for (const ModelItem &seg : sema_.models[post.model].def->items) {
      if (seg.kind != ItemKind::Segment || seg.name != o.segment) continue;
      for (const ModelItem &x : seg.items) {
        for (const PortDecl &p : x.ports)
          if (p.name == o.member) {
            o.unit = p.type ? unitExprValue(*p.type->unit) : Unit{};
            o.inputKind = p.kind;
          }
        for (const VarDecl &v : x.vars)
          if (v.name == o.member) {
            if (v.type) o.unit = unitExprValue(*v.type->unit);
            else if (v.init) o.unit = unitOfType(v.init->type);
          }
      }
    }
  }

  void edgeUnits(Edge &e) {
    if (e.synapse < 0) {
      // A direct connect: a current source's amplitude, an analog source's signal, or
      // spikes (a count) from anything that spikes.
      const Vertex &pre = g_.g[e.preVertex];
      e.delivered = Unit{};
      if ((pre.kind == VertexKind::Current || pre.kind == VertexKind::Analog) && !pre.encoder)
        for (const NamedValue &a : pre.args)
          if (a.name == "amplitude" || a.name == "signal") e.delivered = a.value.unit;
      bool spikeInput = e.onto.inputKind == "spike";
      e.factor = spikeInput || e.onto.kind == Onto::None ? 1 : e.delivered.conversionFactorTo(e.onto.unit);
      return;
    }
    std::map<std::string, Unit> bindings;
    for (size_t k = 0; k < e.args.size(); ++k)
      if (e.generic[k]) bindings[models_[e.synapse].params[k].name] = e.args[k].unit;
    SynapseUnits su = synapseUnits(sema_, sema_.models[e.synapse], bindings, summaryOfVertex(e.preVertex),
                                   summaryOfVertex(e.postVertex), e.onto);
    e.conversions = std::move(su.conversions);
    for (auto &p : su.problems) e.unsupported.push_back(std::move(p));
    bool first = true;
    for (const Conversion &c : e.conversions) {
      if (c.kind != Conversion::Deliver) continue;
      if (first) {
        e.delivered = c.from;
        e.factor = c.factor;
        first = false;
      } else if (!(c.from.dim == e.delivered.dim && c.from.scale == e.delivered.scale)) {
        e.factor = NAN; // delivers in several units: see conversions
      }
    }
  }

  void signal(const NetItem &it) {
    Signal s;
    s.name = it.name;
    s.range = it.nameRange;
    if (it.value) {
      s.value = lower(*it.value, false, nullptr, nullptr);
      s.type = it.value->type;
      s.unit = unitOfType(it.value->type);
      if (it.type && numeric(it.value->type)) {
        Unit to = unitExprValue(*it.type->unit);
        s.value = scaled(s.value, s.unit.conversionFactorTo(to));
        s.unit = to;
        s.type.unit = to;
      }
    }
    g_.signals.push_back(std::move(s));
  }

  std::vector<int> edgesNamed(const std::string &name) const {
    std::vector<int> out;
    for (EdgeId id : edgesInOrder(g_))
      if (!name.empty() && g_.g[id].name == name) out.push_back(g_.g[id].id);
    return out;
  }

  const Edge *edgeById(int id) const {
    for (auto [ei, eend] = boost::edges(g_.g); ei != eend; ++ei)
      if (g_.g[*ei].id == id) return &g_.g[*ei];
    return nullptr;
  }

  void broadcast(const NetItem &it) {
    Broadcast b;
    b.signal = it.name;
    b.range = it.range;
    Unit from;
    for (size_t k = 0; k < g_.signals.size(); ++k)
      if (g_.signals[k].name == it.name) {
        b.signalIndex = static_cast<int>(k);
        from = g_.signals[k].unit;
      }
    for (const LValue &lv : it.targets) {
      if (lv.path.size() != 2) continue;
      Broadcast::Target t;
      t.owner = lv.path[0];
      t.input = lv.path[1];
      t.range = lv.range;
      int model = -1;
      t.vertex = findVertex(g_, t.owner);
      if (t.vertex >= 0) {
        model = g_.g[t.vertex].model;
      } else {
        t.edges = edgesNamed(t.owner);
        if (!t.edges.empty())
          if (const Edge *e = edgeById(t.edges[0])) model = e->synapse;
      }
      if (model >= 0) {
        const ir::Model &m = models_[model];
        for (size_t k = 0; k < m.inputs.size(); ++k)
          if (m.inputs[k].name == t.input) {
            t.index = static_cast<int>(k);
            t.unit = unitOfType(m.inputs[k].type);
          }
      }
      t.factor = from.dim == t.unit.dim ? from.conversionFactorTo(t.unit) : 1;
      b.targets.push_back(std::move(t));
    }
    g_.broadcasts.push_back(std::move(b));
  }

  void record(const NetItem &it) {
    for (const RecordTarget &rt : it.records)
      for (const std::string &member : recordedMembers(rt)) record(it, rt, member);
  }

  /// The members a record target names: itself, or the elements NAME[0] … NAME[n-1] of a
  /// vector member of a neuron (each recorded to its own file).
  std::vector<std::string> recordedMembers(const RecordTarget &rt) {
    End e = end(rt.pop);
    if (e.vertex < 0 || rt.member == "spikes") return {rt.member};
    int model = g_.g[e.vertex].model;
    if (model < 0) return {rt.member};
    const ir::Model &m = models_[model];
    std::vector<std::string> out;
    for (const auto *vars : {&m.states, &m.params, &m.internals})
      for (const ir::Variable &v : *vars)
        if (v.name == rt.member) return {rt.member};
        else if (v.name.size() > rt.member.size() && v.name.compare(0, rt.member.size(), rt.member) == 0 &&
                 v.name[rt.member.size()] == '[')
          out.push_back(v.name);
    if (out.empty()) return {rt.member};
    return out;
  }

  void record(const NetItem &it, const RecordTarget &rt, const std::string &member) {
    {
      Record r;
      r.owner = rt.pop.name;
      r.member = member;
      r.range = rt.pop.range;
      End e = end(rt.pop);
      r.vertex = e.vertex;
      int model = -1;
      if (r.vertex >= 0) {
        r.slice = e.slice;
        model = g_.g[r.vertex].model;
      } else {
        r.edges = edgesNamed(rt.pop.name);
        if (!r.edges.empty())
          if (const Edge *ed = edgeById(r.edges[0])) model = ed->synapse;
        r.slice = e.slice; // a slice of a connect's synapses, when written
      }
      if (rt.member == "spikes") {
        r.memberKind = Record::Spikes;
      } else if (model >= 0) {
        const ir::Model &m = models_[model];
        r.memberKind = Record::Other;
        auto find = [&](const std::vector<ir::Variable> &vars, Record::MemberKind kind) {
          for (size_t k = 0; k < vars.size(); ++k)
            if (vars[k].name == member && r.memberKind == Record::Other) {
              r.memberKind = kind;
              r.index = static_cast<int>(k);
              r.unit = unitOfType(vars[k].type);
            }
        };
        find(m.states, Record::State);
        find(m.params, Record::Param);
        find(m.internals, Record::Internal);
        find(m.inputs, Record::Input);
        if (r.memberKind == Record::Other)
          for (const MemberInfo &mi : sema_.models[model].members)
            if (mi.name == rt.member) r.unit = unitOfType(mi.type);
        if (r.memberKind == Record::Param && r.edges.size())
          // a generic parameter: the unit of the connect's argument
          if (const Edge *ed = edgeById(r.edges[0]); ed && r.index < static_cast<int>(ed->args.size()) &&
                                                      ed->generic[r.index])
            r.unit = ed->args[r.index].unit;
      }
      if (it.every)
        if (auto v = constant(*it.every, msUnit())) r.every = *v;
      if (it.from)
        if (auto v = constant(*it.from, msUnit())) r.from = *v;
      if (it.to)
        if (auto v = constant(*it.to, msUnit())) r.to = *v;
      g_.records.push_back(std::move(r));
    }
  }

  void run(const NetItem &it) {
    if (g_.run.given) return; // sema reported the second one
    Run &r = g_.run;
    r.given = true;
    r.range = it.range;
    if (it.value)
      if (auto v = constant(*it.value, msUnit())) r.duration = *v;
    for (const Arg &o : it.options) {
      if (o.name == "dt") {
        if (auto v = constant(*o.value, msUnit())) {
          r.dt = *v;
          r.dtGiven = true;
        }
      } else if (o.name == "seed") {
        if (auto v = integer(*o.value)) {
          r.seed = *v;
          r.seedGiven = true;
        }
      } else if (o.name == "method") {
        r.method = o.value->text;
      }
    }
  }

  /// D = round(delay / dt) half up with a 1e-9 relative tolerance must be at least 1
  /// (docs/simulation.md); checked where the delay is a constant (the run is read first).
  void checkDelay(const Value &delay) {
    auto d = evaluateIfConstant(substituteDt(delay.node, g_.run.dt));
    if (!d || !(*d > 0)) return;
    double q = *d / g_.run.dt;
    if (std::floor(q + 0.5 + 1e-9 * q) < 1)
      diags_.report(DiagId::delay_below_step, delay.range, {number(*d), number(g_.run.dt)});
  }

  const SemaResult &sema_;
  const std::vector<ir::Model> &models_;
  const NetworkDef &net_;
  DiagnosticEngine &diags_;
  NetworkGraph g_;
  int nextEdge_ = 0;
};

} // namespace

NetworkGraph buildNetworkGraph(const SemaResult &sema, const std::vector<ir::Model> &models, const NetworkDef &net,
                               DiagnosticEngine &diags) {
  return Builder(sema, models, net, diags).build();
}

} // namespace soma::graph
