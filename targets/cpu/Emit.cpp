#include "Emit.h"

#include "ConstEval.h"
#include "Jit.h"

#include "soma/runtime/Error.h"
#include "soma/runtime/Expm.h"

namespace soma::cpu {

KernelSpec defaultSpec(const ir::Model &m, double dt) {
  KernelSpec spec;
  spec.model = &m;
  spec.dt = dt;
  // Defaults may read other parameters (`V_reset = E_L`): evaluate until nothing changes.
  spec.params.assign(m.params.size(), std::nullopt);
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t k = 0; k < m.params.size(); ++k) {
      if (spec.params[k] || !m.params[k].init) continue;
      spec.params[k] = evaluateConstant(m.params[k].init, ConstEnv{&spec.params, nullptr, dt});
      changed = changed || spec.params[k].has_value();
    }
  }
  spec.internals = evaluateInternals(m, spec.params, dt);
  ConstEnv env{&spec.params, &spec.internals, dt};
  for (const ir::Subsystem &s : m.subsystems) {
    PropagatorSpec ps;
    ps.kind = PropagatorSpec::PerNeuron;
    if (s.method == ir::Method::Exact) {
      unsigned n = unsigned(s.states.size());
      std::vector<double> A;
      bool known = true;
      for (unsigned r = 0; r < n && known; ++r)
        for (unsigned c = 0; c < n && known; ++c) {
          auto v = evaluateConstant(s.A[r][c], env);
          known = v.has_value();
          if (known) A.push_back(*v);
        }
      if (known) {
        // The runtime's own propagator, so that folding changes no bit.
        runtime::Matrix a(n);
        for (unsigned r = 0; r < n; ++r)
          for (unsigned c = 0; c < n; ++c) a(r, c) = A[r * n + c];
        try {
          runtime::InputPropagator p = runtime::inputPropagator(a, dt);
          ps.P.assign(p.p.data().begin(), p.p.data().end());
          ps.Q.assign(p.q.data().begin(), p.q.data().end());
          ps.kind = PropagatorSpec::Folded;
        } catch (const runtime::RuntimeError &) {
          // not finite: leave it to the runtime, which reports it
        }
      }
    }
    spec.propagators.push_back(std::move(ps));
  }
  spec.jumps.assign(m.states.size(), Arrivals::CheckAtRunTime);
  return spec;
}

bool emitLLVMForModels(const std::vector<ir::Model> &models, std::ostream &out, DiagnosticEngine &diags,
                       const EmitOptions &options, std::string *internalError) {
  bool ok = true, first = true;
  if (internalError) internalError->clear();
  for (const ir::Model &m : models) {
    if (m.isSynapse) continue;
    std::vector<CodegenError> errors;
    std::string text = printKernel(defaultSpec(m, options.dt), "soma_update_" + m.name, errors, options.cpu);
    if (!errors.empty()) {
      for (const CodegenError &e : errors) {
        if (!e.internal) diags.report(DiagId::unsupported_by_target, e.range, {e.what});
        else if (internalError && internalError->empty()) *internalError = m.name + ": " + e.what;
      }
      ok = false;
      continue;
    }
    if (!first) out << '\n';
    first = false;
    out << "; neuron " << m.name << '\n' << text;
  }
  return ok;
}

} // namespace soma::cpu
