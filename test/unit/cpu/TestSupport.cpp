#include "TestSupport.h"

#include "Frontend.h"
#include "Lower.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace soma::cpu::test {

std::vector<ir::Model> lowerFile(const std::string &path, std::string *diagnostics) {
  std::ostringstream diagOut;
  FrontendOptions options;
  options.stdlibDir = defaultStdlibDir();
  Frontend fe(options, diagOut);
  std::vector<ir::Model> models;
  if (fe.load(path) && fe.analyze()) models = lowerModels(fe.sema(), fe.diags());
  fe.diags().finish();
  if (diagnostics) *diagnostics = diagOut.str();
  if (fe.diags().hasErrors()) {
    ADD_FAILURE() << "front end errors:\n" << diagOut.str();
    models.clear();
  }
  return models;
}

std::string writeTemp(const std::string &source) {
  char path[] = "/tmp/soma_cpu_test_XXXXXX.soma";
  int fd = mkstemps(path, 5);
  if (fd < 0) {
    ADD_FAILURE() << "cannot create a temporary file";
    return "";
  }
  close(fd);
  std::ofstream out(path);
  out << source;
  return path;
}

std::vector<ir::Model> lowerSource(const std::string &source, std::string *diagnostics) {
  std::string path = writeTemp(source);
  auto models = lowerFile(path, diagnostics);
  std::remove(path.c_str());
  return models;
}

const ir::Model *findModel(const std::vector<ir::Model> &models, const std::string &name) {
  for (const ir::Model &m : models)
    if (m.name == name) return &m;
  ADD_FAILURE() << "no model " << name;
  return nullptr;
}

int stateIndex(const ir::Model &m, const std::string &name) {
  for (size_t k = 0; k < m.states.size(); ++k)
    if (m.states[k].name == name) return int(k);
  ADD_FAILURE() << "no state " << name;
  return -1;
}

int paramIndex(const ir::Model &m, const std::string &name) {
  for (size_t k = 0; k < m.params.size(); ++k)
    if (m.params[k].name == name) return int(k);
  ADD_FAILURE() << "no parameter " << name;
  return -1;
}

Engine &engine() {
  static std::unique_ptr<Engine> e = [] {
    std::string error;
    auto made = Engine::create(error);
    if (!made) {
      std::fprintf(stderr, "cannot create the JIT: %s\n", error.c_str());
      std::abort();
    }
    return made;
  }();
  return *e;
}

SomaUpdateFn compile(const KernelSpec &spec) {
  static int counter = 0;
  static const bool dump = std::getenv("SOMA_CPU_TEST_DUMP") != nullptr;  // print each optimised kernel
  engine().keepIR(dump);
  Engine::Compiled c = engine().compile(spec, "test_kernel_" + std::to_string(counter++));
  if (dump) std::fprintf(stderr, "%s\n", engine().lastIR().c_str());
  for (const CodegenError &e : c.unsupported) ADD_FAILURE() << "unsupported: " << e.what;
  if (!c.error.empty()) ADD_FAILURE() << "JIT error: " << c.error;
  return c.fn;
}

KernelSpec uniformSpec(const ir::Model &m, double dt) {
  KernelSpec spec;
  spec.model = &m;
  spec.dt = dt;
  for (const ir::Variable &p : m.params)
    spec.params.push_back(p.init && p.init->op == ir::Op::Const ? std::optional<double>(p.init->value) : std::nullopt);
  return spec;
}

Population::Population(const ir::Model &m, size_t n) : n(n) {
  state.assign(m.states.size(), std::vector<double>(n, 0.0));
  param.assign(m.params.size(), std::vector<double>(n, 0.0));
  for (size_t p = 0; p < m.params.size(); ++p)
    if (m.params[p].init && m.params[p].init->op == ir::Op::Const) param[p].assign(n, m.params[p].init->value);
  internal.assign(m.internals.size(), std::vector<double>(n, 0.0));
  input.assign(m.inputs.size(), std::vector<double>(n, 0.0));
  jump.assign(m.states.size(), std::vector<double>(n, 0.0));
  propagator.assign(m.subsystems.size(), {});
  propagatorPerNeuron.assign(m.subsystems.size(), 0);
  refractory.assign(n, 0);
  bind();
}

void Population::bind() {
  auto ptrs = [](std::vector<std::vector<double>> &v, std::vector<double *> &out) {
    out.clear();
    for (auto &x : v) out.push_back(x.empty() ? nullptr : x.data());
  };
  ptrs(state, statePtr);
  ptrs(param, paramPtr);
  ptrs(internal, internalPtr);
  ptrs(input, inputPtr);
  ptrs(jump, jumpPtr);
  ptrs(propagator, propagatorPtr);
  data.size = n;
  data.state = statePtr.data();
  data.param = paramPtr.data();
  data.internal = internalPtr.data();
  data.input = inputPtr.data();
  data.jump = jumpPtr.data();
  data.refractory = refractory.data();
  data.propagator = propagatorPtr.data();
  data.propagatorPerNeuron = propagatorPerNeuron.data();
}

void Population::withoutJump(size_t s) {
  jump[s].clear();
  bind();
}

uint64_t Population::run(SomaUpdateFn fn, uint64_t step, uint64_t begin, uint64_t end, std::vector<uint32_t> &spikes,
                         SomaFault &fault) {
  spikes.assign(end - begin, 0);
  uint64_t count = fn(&data, begin, end, step, 0.0, spikes.data(), &fault);
  spikes.resize(count);
  return count;
}

} // namespace soma::cpu::test
