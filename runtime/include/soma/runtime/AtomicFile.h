// Atomic file output: readers see the old file or the complete new one, never a part.
//
// Output goes to a temporary file `path.tmp.XXXXXXXX` in the same directory (so the final
// rename(2) stays within one file system and is atomic), which commit() flushes, fsyncs
// and renames over `path`. If commit() is never reached (an exception, a failed write) the
// temporary file is removed and `path` is left as it was. POSIX only.
#pragma once

#include <string>
#include <string_view>

namespace soma::runtime {

class AtomicFile {
public:
  /// Creates the temporary file (permissions 0666 minus the umask, like a plain
  /// open(2)). Throws RuntimeError naming `path` and the system error.
  explicit AtomicFile(std::string path);
  AtomicFile(const AtomicFile &) = delete;
  AtomicFile &operator=(const AtomicFile &) = delete;
  /// Removes the temporary file unless commit() succeeded.
  ~AtomicFile();

  /// Appends bytes; buffered, written out in blocks. Throws RuntimeError on a write error.
  void write(std::string_view bytes);
  /// Writes what is buffered, fsyncs, closes and renames over the target, then fsyncs the
  /// directory (best effort). Throws RuntimeError (and removes the temporary file) on
  /// failure. Call once.
  void commit();

  const std::string &path() const { return path_; }
  const std::string &temporaryPath() const { return temp_; }

private:
  void flush();
  [[noreturn]] void fail(const std::string &what, int error);

  std::string path_, temp_;
  std::string buffer_;
  int fd_ = -1;
  bool committed_ = false;
};

/// Writes `contents` to `path` atomically (AtomicFile, write, commit).
void writeFileAtomically(const std::string &path, std::string_view contents);

} // namespace soma::runtime
