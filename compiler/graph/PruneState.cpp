#include "PruneState.h"

#include <functional>
#include <set>

namespace soma::graph {

namespace {

using ir::NodeRef;
using ir::Op;

void forEachLeaf(const NodeRef &n, const std::function<void(const ir::Node &)> &f) {
  if (!n) return;
  if (n->args.empty()) f(*n);
  for (const NodeRef &a : n->args) forEachLeaf(a, f);
}

/// The states `n` reads.
void statesRead(const NodeRef &n, std::set<int> &out) {
  forEachLeaf(n, [&](const ir::Node &l) {
    if (l.op == Op::State && l.index >= 0) out.insert(l.index);
  });
}

/// What the model's own code needs: roots (always read) and, per state, what its
/// equation, assignments and initial value read.
struct Reads {
  std::set<int> roots;
  std::vector<std::set<int>> deps;
};

void stmtReads(const ir::StmtList &list, Reads &r) {
  for (const ir::Stmt &s : list) {
    switch (s.kind) {
    case ir::Stmt::Assign:
      if (s.targetOp == Op::State && s.target >= 0 && static_cast<size_t>(s.target) < r.deps.size())
        statesRead(s.value, r.deps[s.target]);
      else
        statesRead(s.value, r.roots); // written elsewhere: conservatively read
      break;
    case ir::Stmt::Deliver: statesRead(s.value, r.roots); break;
    case ir::Stmt::If:
      statesRead(s.value, r.roots);
      stmtReads(s.thenBody, r);
      stmtReads(s.elseBody, r);
      break;
    }
  }
}

Reads modelReads(const ir::Model &m) {
  Reads r;
  r.deps.resize(m.states.size());
  statesRead(m.threshold, r.roots);
  statesRead(m.refractory, r.roots);
  for (const ir::Ode &o : m.odes)
    if (o.state >= 0 && static_cast<size_t>(o.state) < r.deps.size()) statesRead(o.rhs, r.deps[o.state]);
  stmtReads(m.reset, r);
  stmtReads(m.update, r);
  stmtReads(m.continuous, r);
  for (const ir::EventBlock &e : m.events) stmtReads(e.body, r);
  return r;
}

/// The members a synapse reads at its ends: pre.x and post.x.
void endpointReads(const ir::Model &syn, std::set<std::string> &pre, std::set<std::string> &post) {
  auto leaves = [&](const NodeRef &n) {
    forEachLeaf(n, [&](const ir::Node &l) {
      if (l.op == Op::PreState) pre.insert(l.name);
      if (l.op == Op::PostState) post.insert(l.name);
    });
  };
  std::function<void(const ir::StmtList &)> stmts = [&](const ir::StmtList &list) {
    for (const ir::Stmt &s : list) {
      leaves(s.value);
      stmts(s.thenBody);
      stmts(s.elseBody);
    }
  };
  for (const ir::Ode &o : syn.odes) leaves(o.rhs);
  leaves(syn.threshold);
  for (auto *vars : {&syn.params, &syn.internals, &syn.states})
    for (const ir::Variable &v : *vars) leaves(v.init);
  stmts(syn.reset);
  stmts(syn.update);
  stmts(syn.continuous);
  for (const ir::EventBlock &e : syn.events) stmts(e.body);
}

int stateIndex(const ir::Model &m, const std::string &name) {
  for (size_t s = 0; s < m.states.size(); ++s)
    if (m.states[s].name == name) return static_cast<int>(s);
  return -1;
}

} // namespace

void pruneUnreadState(NetworkGraph &g, const std::vector<ir::Model> &models) {
  size_t nv = boost::num_vertices(g.g);
  std::vector<std::set<int>> external(nv); // read from outside the model
  auto mark = [&](int vertex, const std::string &member) {
    if (vertex < 0 || static_cast<size_t>(vertex) >= nv) return;
    const Vertex &v = g.g[vertex];
    if (v.model < 0) return;
    int s = stateIndex(models[v.model], member);
    if (s >= 0) external[vertex].insert(s);
  };

  for (const Record &r : g.records)
    if (r.vertex >= 0 && r.memberKind == Record::State) mark(r.vertex, r.member);
  for (auto [ei, eend] = boost::edges(g.g); ei != eend; ++ei) {
    const Edge &e = g.g[*ei];
    if (e.onto.kind == Onto::State) mark(e.postVertex, e.onto.member);
    if (e.synapse < 0) continue;
    std::set<std::string> pre, post;
    endpointReads(models[e.synapse], pre, post);
    for (const std::string &m : pre) mark(e.preVertex, m);
    for (const std::string &m : post) mark(e.postVertex, m);
  }
  for (const Signal &s : g.signals)
    forEachLeaf(s.value, [&](const ir::Node &l) {
      if (l.op != Op::PopulationMember) return;
      auto dot = l.name.find('.');
      if (dot == std::string::npos) return;
      mark(findVertex(g, l.name.substr(0, dot)), l.name.substr(dot + 1));
    });

  for (size_t vi = 0; vi < nv; ++vi) {
    Vertex &v = g.g[vi];
    v.live.clear();
    if (v.kind != VertexKind::Population || v.model < 0) continue;
    const ir::Model &m = models[v.model];
    Reads r = modelReads(m);
    // Initial values: the population's (an override, or the default folded for it).
    for (size_t s = 0; s < m.states.size() && s < v.states.size(); ++s) statesRead(v.states[s].node, r.deps[s]);
    v.live.assign(m.states.size(), false);
    std::vector<int> work;
    auto setLive = [&](int s) {
      if (s < 0 || static_cast<size_t>(s) >= v.live.size() || v.live[s]) return;
      v.live[s] = true;
      work.push_back(s);
    };
    for (int s : r.roots) setLive(s);
    for (int s : external[vi]) setLive(s);
    while (!work.empty()) {
      int s = work.back();
      work.pop_back();
      for (int d : r.deps[s]) setLive(d);
    }
  }
}

} // namespace soma::graph
