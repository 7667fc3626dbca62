#include "OdeAnalysis.h"
#include "Pipeline.h"

#include "FoldConstants.h"
#include "Lower.h"
#include "PruneState.h"
#include "Stiffness.h"

namespace soma::sim {

OverrideStatus applyConstantOverrides(Frontend &fe, Module &main, const ConstantOverrides &sets, std::string &unknown) {
  for (const auto &[name, text] : sets) {
    bool found = false;
    for (Definition &d : main.defs)
      if (d.kind == DefKind::Network)
        for (NetItem &it : d.network->items)
          if (it.kind == NetItemKind::Const && it.name == name) {
            ExprPtr e = fe.parseExpression(text, "--set " + name);
            if (!e) return OverrideStatus::BadValue;
            it.value = std::move(e);
            found = true;
          }
    if (!found) {
      unknown = name;
      return OverrideStatus::UnknownName;
    }
  }
  return OverrideStatus::Ok;
}

int lowerNetwork(Frontend &fe, const std::string &file, LoweredNetwork &out, std::ostream &err) {
  fe.diags().beginSorted();
  out.models = lowerModels(fe.sema(), fe.diags());
  const NetworkDef *net = nullptr;
  int count = 0;
  for (const NetworkSummary &n : fe.sema().networkDefs)
    if (n.inMainModule) {
      net = n.def;
      ++count;
    }
  if (!fe.diags().hasErrors() && net) {
    out.graph.emplace(graph::buildNetworkGraph(fe.sema(), out.models, *net, fe.diags()));
    // `run … with method = X` applies to every model that does not choose its own.
    applyRunMethod(out.models, out.graph->run.method, fe.diags());
    if (!fe.diags().hasErrors()) {
      graph::foldConstants(*out.graph);
      graph::pruneUnreadState(*out.graph, out.models);
      graph::warnStiffness(*out.graph, out.models, fe.diags());
    }
  }
  fe.diags().endSorted();
  if (!net) {
    err << "somac: error: " << file << " defines no network to run\n";
    out.graph.reset();
    return 1;
  }
  if (count > 1) {
    err << "somac: error: " << file << " defines " << count << " networks; run needs exactly one\n";
    out.graph.reset();
    return 1;
  }
  if (fe.diags().hasErrors()) {
    fe.diags().finish();
    out.graph.reset();
    return 1;
  }
  return 0;
}

void reportSimulationError(Frontend &fe, const SimulationError &e) {
  std::string msg = e.what();
  const std::string suffix = " is not supported by target cpu";
  if (msg.size() > suffix.size() && msg.compare(msg.size() - suffix.size(), suffix.size(), suffix) == 0)
    fe.diags().report(DiagId::unsupported_by_target, e.range, {msg.substr(0, msg.size() - suffix.size())});
  else
    fe.diags().report(DiagId::simulation_error, e.range, {msg});
  fe.diags().finish();
}

} // namespace soma::sim
