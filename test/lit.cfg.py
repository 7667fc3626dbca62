# The Soma lit suite. Run through the build: `ninja -C build check` or scripts/test.sh.
#
# Parameters (lit --param NAME=VALUE):
#   somac=PATH   test another somac (the sanitizer build runs the parse/sema tests this way)
#   slow=1       enable tests marked REQUIRES: slow
#   fuzzer=PATH  the libFuzzer binary (soma_fuzz_frontend) for test/fuzz
import os
import lit.formats

config.name = "Soma"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".soma", ".test"]
config.excludes = ["Inputs", "corpus", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py.in"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.soma_obj_root, "test")

somac = lit_config.params.get("somac", os.path.join(config.soma_bin_dir, "somac"))
stdlib = os.path.join(config.soma_src_root, "stdlib")
config.substitutions.append(("%somac", somac + " --color=never"))
config.substitutions.append(("%stdlib", stdlib))
config.substitutions.append(("%srcroot", config.soma_src_root))
config.substitutions.append(("%bindir", config.soma_bin_dir))
config.substitutions.append(("%python", "python3"))

config.environment["PATH"] = os.pathsep.join(
    [config.llvm_tools_dir, config.soma_bin_dir, config.environment.get("PATH", os.environ.get("PATH", ""))])
# lit's `not` inverts any failure, a crash included, so crashes and sanitizer reports are
# caught where they are seen: FileCheck rejects their tell-tale lines in any checked output.
config.environment["FILECHECK_OPTS"] = (
    "-enable-var-scope --dump-input=fail"
    " --implicit-check-not='internal compiler error' --implicit-check-not='terminate called'"
    " --implicit-check-not=Sanitizer --implicit-check-not='runtime error:'")
config.environment["SOMA_STDLIB"] = stdlib
config.environment.pop("NO_COLOR", None)

if lit_config.params.get("slow", "0") == "1":
    config.available_features.add("slow")
# The fuzz target is built by a separate clang build (-DSOMA_FUZZ=ON, e.g. build-fuzz/);
# point at it with --param fuzzer=PATH (scripts/test.sh does), or run lit from that build.
fuzzer = lit_config.params.get("fuzzer", os.path.join(config.soma_bin_dir, "soma_fuzz_frontend"))
if os.path.exists(fuzzer):
    config.available_features.add("fuzzer")
    config.substitutions.append(("%fuzzer", os.path.abspath(fuzzer)))
if "somac" in lit_config.params:
    config.available_features.add("sanitized")
# Sanitizer reports end the process with an abort (not exit status 1, which `not` accepts).
config.environment.setdefault("ASAN_OPTIONS", "abort_on_error=1:detect_leaks=1")
config.environment.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1:abort_on_error=1")
