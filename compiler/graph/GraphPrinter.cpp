// printGraph, printGraphDot and emitGraph (`somac emit --stage=graph`).
#include "FoldConstants.h"
#include "NetworkGraph.h"
#include "PruneState.h"
#include "Stiffness.h"

#include <charconv>
#include <cmath>
#include <sstream>

namespace soma::graph {

namespace {

std::string number(double v) {
  if (std::isnan(v)) return "nan";
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

/// " mV"; a computed unit also by its canonical name: " (pF*mV)/ms [pA]"; "" if dimensionless.
std::string unitSuffix(const Unit &u) {
  if (u.dim.isDimensionless() && u.scale.isOne()) return "";
  std::string s = u.str(), c = u.canonical();
  return " " + (s == c ? s : s + " [" + c + "]");
}

std::string unitName(const Unit &u) {
  if (u.dim.isDimensionless() && u.scale.isOne()) return "1";
  std::string s = u.str(), c = u.canonical();
  return s == c ? s : s + " [" + c + "]";
}

std::string loc(const SourceRange &r) { return std::to_string(r.line) + ":" + std::to_string(r.col); }

bool readsDistribution(const ir::NodeRef &n) {
  if (n->op == ir::Op::Distribution) return true;
  for (const ir::NodeRef &a : n->args)
    if (readsDistribution(a)) return true;
  return false;
}

const ir::Model &noModel() {
  static const ir::Model m;
  return m;
}

std::string valueText(const Value &v, const ir::Model &m) {
  if (!v.node) return "(not set)";
  std::string s = ir::toString(v.node, m) + unitSuffix(v.unit);
  if (v.variation == Variation::PerElement || v.variation == Variation::Uniform)
    s += std::string(" [") + variationName(v.variation) + "]";
  if (readsDistribution(v.node)) s += " (stream " + v.stream + ")";
  if (!v.given) s += " (default)";
  return s;
}

std::string sliceText(const std::string &name, const Slice &s) {
  return name + "[" + std::to_string(s.first) + ":" + std::to_string(s.last) + "]";
}

const char *boolText(bool b) { return b ? "true" : "false"; }

void printUnsupported(const std::vector<ir::Unsupported> &list, std::ostream &out) {
  for (const ir::Unsupported &u : list) out << "    unsupported: " << u.what << " (" << loc(u.range) << ")\n";
}

void printVertex(const NetworkGraph &g, int id, std::ostream &out) {
  const Vertex &v = g.g[id];
  if (v.kind == VertexKind::Population) {
    const ir::Model &m = v.model >= 0 ? (*g.models)[v.model] : noModel();
    out << "  population " << v.name << ": " << (v.model >= 0 ? m.name : "?") << "[" << v.size << "] (vertex "
        << id << ", model " << v.model << ")\n";
    for (size_t k = 0; k < v.params.size(); ++k)
      out << "    param " << m.params[k].name << " = " << valueText(v.params[k], m) << "\n";
    for (size_t k = 0; k < v.internals.size(); ++k)
      out << "    internal " << m.internals[k].name << " = " << valueText(v.internals[k], m) << "\n";
    for (size_t k = 0; k < v.states.size(); ++k)
      out << "    state " << m.states[k].name << " = " << valueText(v.states[k], m) << "\n";
    if (!v.live.empty()) {
      std::string live, dead;
      for (size_t k = 0; k < v.live.size(); ++k) (v.live[k] ? live : dead) += " " + m.states[k].name;
      out << "    live:" << (live.empty() ? " (none)" : live) << "\n";
      out << "    removable:" << (dead.empty() ? " (none)" : dead) << "\n";
    }
  } else {
    out << "  source " << v.name << ": " << vertexKindName(v.kind) << "[" << v.size << "] (vertex " << id << ")\n";
    for (const NamedValue &a : v.args) out << "    " << a.name << " = " << valueText(a.value, noModel()) << "\n";
    if (!v.times.empty()) {
      out << "    times =";
      for (size_t c = 0; c < v.times.size(); ++c) {
        out << (c ? ", [" : " [");
        for (size_t k = 0; k < v.times[c].size(); ++k) out << (k ? ", " : "") << number(v.times[c][k]);
        out << "]";
      }
      out << " ms" << (v.times.size() == 1 ? " (every channel)" : " (per channel)") << "\n";
    }
    if (!v.file.empty()) out << "    file = \"" << v.file << "\"\n";
    if (v.encoder) {
      out << "    encode " << v.encoder->name << "\n";
      for (const NamedValue &a : v.encoder->args)
        out << "      " << a.name << " = " << valueText(a.value, noModel()) << "\n";
    }
  }
  printUnsupported(v.unsupported, out);
}

std::string connectorText(const Connector &c) {
  std::string s = connectorName(c.kind);
  std::vector<std::string> parts;
  if (c.kind == ConnectorKind::FixedProbability) parts.push_back("p = " + number(c.p));
  if (c.kind == ConnectorKind::FixedIndegree || c.kind == ConnectorKind::FixedOutdegree)
    parts.push_back("k = " + std::to_string(c.k));
  if (c.kind == ConnectorKind::FromFile) parts.push_back("file = \"" + c.file + "\"");
  if (c.kind != ConnectorKind::OneToOne) {
    parts.push_back(std::string("allow_self = ") + boolText(c.allowSelf) + (c.allowSelfGiven ? "" : " (default)"));
    parts.push_back(std::string("allow_multiple = ") + boolText(c.allowMultiple) +
                    (c.allowMultipleGiven ? "" : " (default)"));
  }
  s += "(";
  for (size_t k = 0; k < parts.size(); ++k) s += (k ? ", " : "") + parts[k];
  s += ")";
  if (!c.given) s += " (default)";
  return s;
}

std::string ontoText(const Onto &o) {
  switch (o.kind) {
  case Onto::None: return "(none)";
  case Onto::State: return o.member + " (state " + std::to_string(o.index) + ", " + unitName(o.unit) + ")";
  case Onto::Input:
    return o.member + " (" + o.inputKind + " input " + std::to_string(o.index) + ", " + unitName(o.unit) + ")";
  case Onto::SegmentMember:
    if (o.index >= 0)
      return o.segment + "." + o.member + " (" + o.inputKind + " input " + std::to_string(o.index) + " of " +
             std::to_string(o.segments) + " segments, " + unitName(o.unit) + ")";
    return o.segment + "." + o.member + " (segment member, " + unitName(o.unit) + ")";
  }
  return "?";
}

void printEdge(const NetworkGraph &g, const Edge &e, std::ostream &out) {
  const Vertex &pre = g.g[e.preVertex], &post = g.g[e.postVertex];
  const ir::Model &syn = e.synapse >= 0 ? (*g.models)[e.synapse] : noModel();
  out << "  edge " << e.id << (e.name.empty() ? "" : " " + e.name) << ": " << sliceText(pre.name, e.pre) << " -> "
      << sliceText(post.name, e.post) << " with " << (e.synapse >= 0 ? syn.name : "(direct)");
  if (e.synapse >= 0) out << " (model " << e.synapse << ")";
  out << " (connect " << e.connect << ")\n";
  out << "    by " << connectorText(e.connector) << "\n";
  for (size_t k = 0; k < e.args.size(); ++k)
    out << "    arg " << syn.params[k].name << " = " << valueText(e.args[k], syn) << (e.generic[k] ? " (quantity)" : "")
        << "\n";
  for (size_t k = 0; k < e.internals.size(); ++k)
    out << "    internal " << syn.internals[k].name << " = " << valueText(e.internals[k], syn) << "\n";
  for (size_t k = 0; k < e.states.size(); ++k)
    out << "    state " << syn.states[k].name << " = " << valueText(e.states[k], syn) << "\n";
  std::string delay = valueText(e.delay, noModel());
  if (!e.delayGiven) delay = ir::toString(e.delay.node, noModel()) + " ms (default: one step)";
  out << "    delay " << delay << "\n";
  out << "    onto " << ontoText(e.onto);
  if (e.onto.kind != Onto::None)
    out << ", delivers " << unitName(e.delivered) << ", factor " << number(e.factor);
  out << "\n";
  // The per-statement factors, when there is more to say than the one above.
  size_t delivers = 0;
  for (const Conversion &c : e.conversions) delivers += c.kind == Conversion::Deliver;
  for (const Conversion &c : e.conversions) {
    if (c.kind == Conversion::Deliver && delivers == 1) continue;
    out << "    " << (c.kind == Conversion::Deliver ? "deliver" : "write") << " " << c.target << " ("
        << loc(c.range) << "): " << unitName(c.from) << " -> " << unitName(c.to) << ", factor " << number(c.factor)
        << "\n";
  }
  printUnsupported(e.unsupported, out);
}

std::string dotEscape(const std::string &s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

} // namespace

void printGraph(const NetworkGraph &g, std::ostream &out) {
  out << "network " << g.name << "\n";
  const Run &r = g.run;
  out << "  run " << number(r.duration) << " ms, dt " << number(r.dt) << " ms" << (r.dtGiven ? "" : " (default)")
      << ", seed " << r.seed << (r.seedGiven ? "" : " (default)") << ", method "
      << (r.method.empty() ? "(per model)" : r.method) << (r.given ? "" : "  (no run)") << "\n";
  for (size_t v = 0; v < boost::num_vertices(g.g); ++v) printVertex(g, static_cast<int>(v), out);
  for (EdgeId id : edgesInOrder(g)) printEdge(g, g.g[id], out);
  for (const Signal &s : g.signals) {
    out << "  signal " << s.name << " = " << (s.value ? ir::toString(s.value, noModel()) : "?") << unitSuffix(s.unit)
        << " : " << s.type.str();
    if (s.variation != Variation::Unknown) out << " [" << variationName(s.variation) << "]";
    out << "\n";
  }
  for (const Broadcast &b : g.broadcasts)
    for (const Broadcast::Target &t : b.targets) {
      out << "  broadcast " << b.signal << " -> " << t.owner << "." << t.input;
      if (t.vertex >= 0) out << " (vertex " << t.vertex;
      else {
        out << " (edges";
        for (int e : t.edges) out << " " << e;
      }
      out << ", input " << t.index << ", " << unitName(t.unit) << ", factor " << number(t.factor) << ")\n";
    }
  for (const Record &rec : g.records) {
    // A connect's synapses are counted when they are made: a whole one has no bounds yet.
    bool bounds = rec.vertex >= 0 || !rec.slice.whole;
    out << "  record " << (bounds ? sliceText(rec.owner, rec.slice) : rec.owner) << "." << rec.member;
    if (rec.vertex >= 0) out << " (vertex " << rec.vertex;
    else {
      out << " (edges";
      for (int e : rec.edges) out << " " << e;
    }
    static const char *kinds[] = {"spikes", "param", "internal", "state", "input", "other"};
    out << ", " << kinds[rec.memberKind];
    if (rec.index >= 0) out << " " << rec.index;
    if (rec.memberKind != Record::Spikes) out << ", " << unitName(rec.unit);
    out << ")";
    out << " every " << (rec.every > 0 ? number(rec.every) + " ms" : "step");
    out << " from " << number(rec.from) << " ms to " << (rec.to >= 0 ? number(rec.to) + " ms" : "end") << "\n";
  }
}

void printGraphDot(const NetworkGraph &g, std::ostream &out) {
  out << "digraph \"" << dotEscape(g.name) << "\" {\n";
  out << "  node [shape=box];\n";
  for (size_t v = 0; v < boost::num_vertices(g.g); ++v) {
    const Vertex &x = g.g[v];
    std::string kind = x.kind == VertexKind::Population
                           ? (x.model >= 0 ? (*g.models)[x.model].name : std::string("?"))
                           : std::string(vertexKindName(x.kind));
    out << "  v" << v << " [label=\"" << dotEscape(x.name) << "\\n" << dotEscape(kind) << "[" << x.size << "]\"";
    if (x.kind != VertexKind::Population) out << ", shape=ellipse";
    out << "];\n";
  }
  for (EdgeId id : edgesInOrder(g)) {
    const Edge &e = g.g[id];
    std::string syn = e.synapse >= 0 ? (*g.models)[e.synapse].name : "direct";
    std::string delay = e.delay.node ? ir::toString(e.delay.node, noModel()) + " ms" : "?";
    std::string label = dotEscape((e.name.empty() ? "" : e.name + ": ") + syn) + "\\n" +
                        dotEscape(connectorText(e.connector)) + "\\n" + dotEscape("delay " + delay);
    out << "  v" << e.preVertex << " -> v" << e.postVertex << " [label=\"" << label << "\"];\n";
  }
  out << "}\n";
}

void emitGraph(const SemaResult &sema, const std::vector<ir::Model> &models, DiagnosticEngine &diags,
               std::ostream &out, bool dot) {
  std::vector<NetworkGraph> graphs;
  int before = diags.errorCount();
  for (const NetworkSummary &n : sema.networkDefs) {
    if (!n.inMainModule) continue;
    graphs.push_back(buildNetworkGraph(sema, models, *n.def, diags));
  }
  if (diags.errorCount() > before) return;
  for (size_t k = 0; k < graphs.size(); ++k) {
    foldConstants(graphs[k]);
    pruneUnreadState(graphs[k], models);
    warnStiffness(graphs[k], models, diags);
    if (k) out << "\n";
    if (dot) printGraphDot(graphs[k], out);
    else printGraph(graphs[k], out);
  }
}

} // namespace soma::graph
