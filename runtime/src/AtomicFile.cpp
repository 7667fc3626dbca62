#include "soma/runtime/AtomicFile.h"

#include "soma/runtime/Error.h"
#include "soma/runtime/Random.h"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace soma::runtime {

namespace {

constexpr size_t kBlockBytes = 1 << 20;

/// A suffix unlikely to be in use: pid, a process-wide counter and the clock, mixed.
/// O_EXCL makes a collision a retry, never a clash.
std::string temporarySuffix() {
  static std::atomic<uint64_t> counter{0};
  const uint64_t now = uint64_t(std::chrono::steady_clock::now().time_since_epoch().count());
  const uint64_t mixed = splitmix64Mix(uint64_t(::getpid()) << 32 ^ counter.fetch_add(1) ^ splitmix64Mix(now));
  static const char *hex = "0123456789abcdef";
  std::string s(8, '0');
  for (int i = 0; i < 8; ++i) s[size_t(i)] = hex[(mixed >> (4 * i)) & 15];
  return s;
}

std::string directoryOf(const std::string &path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

} // namespace

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  for (int attempt = 0; attempt < 16; ++attempt) {
    temp_ = path_ + ".tmp." + temporarySuffix();
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ >= 0) return;
    if (errno != EEXIST) break;
  }
  const int error = errno;
  temp_.clear(); // nothing was created
  throw RuntimeError("cannot create '" + path_ + "': " + std::strerror(error));
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && !temp_.empty()) ::unlink(temp_.c_str());
}

void AtomicFile::fail(const std::string &what, int error) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  ::unlink(temp_.c_str());
  temp_.clear();
  throw RuntimeError("cannot " + what + " '" + path_ + "': " + std::strerror(error));
}

void AtomicFile::write(std::string_view bytes) {
  if (fd_ < 0) throw RuntimeError("write to '" + path_ + "' after it was committed or failed");
  buffer_.append(bytes);
  if (buffer_.size() >= kBlockBytes) flush();
}

void AtomicFile::flush() {
  size_t done = 0;
  while (done < buffer_.size()) {
    const ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("write", errno);
    done += size_t(n);
  }
  buffer_.clear();
}

void AtomicFile::commit() {
  if (fd_ < 0) throw RuntimeError("commit of '" + path_ + "' after it was committed or failed");
  flush();
  if (::fsync(fd_) != 0) fail("sync", errno);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail("close", errno);
  if (::rename(temp_.c_str(), path_.c_str()) != 0) fail("replace", errno);
  committed_ = true;
  // Persist the rename itself; a failure here does not undo a complete, visible file.
  const int dir = ::open(directoryOf(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

void writeFileAtomically(const std::string &path, std::string_view contents) {
  AtomicFile file(path);
  file.write(contents);
  file.commit();
}

} // namespace soma::runtime
