#include "vector-file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "napi-args.h"
#include "row-kernels.h"

namespace ossv {
namespace {

static_assert(sizeof(float) == 4, "vectors are stored as 4-byte floats");

bool LittleEndian() {
  const uint16_t probe = 1;
  uint8_t first;
  std::memcpy(&first, &probe, 1);
  return first == 1;
}

/** Starts every error message the class throws. */
constexpr const char* kWho = "vector file";

class VectorFile : public Napi::ObjectWrap<VectorFile> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "VectorFile",
                       {
                           InstanceMethod<&VectorFile::ScoreRows>("scoreRows"),
                           InstanceMethod<&VectorFile::ReadRows>("readRows"),
                           InstanceMethod<&VectorFile::Close>("close"),
                       });
  }

  /** new VectorFile(path, offset, rows, dimension): the file must hold every row. */
  explicit VectorFile(const Napi::CallbackInfo& info) : Napi::ObjectWrap<VectorFile>(info) {
    Napi::Env env = info.Env();
    if (!LittleEndian()) throw Napi::Error::New(env, "vector file: stored vectors are little-endian; this CPU is not");
    if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "vector file: path must be a string");
    const std::string path = info[0].As<Napi::String>().Utf8Value();
    offset_ = IntegerArg(info, kWho, 1, "offset", 0, 9007199254740991.0);
    rows_ = IntegerArg(info, kWho, 2, "rows", 0, 2147483647.0);
    dimension_ = IntegerArg(info, kWho, 3, "dimension", 1, 1 << 20);
    rowBytes_ = dimension_ * sizeof(float);
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw Napi::Error::New(env, "vector file: cannot open " + path + ": " + std::strerror(errno));
    struct stat info_;
    if (::fstat(fd_, &info_) != 0 || static_cast<uint64_t>(info_.st_size) < offset_ + rows_ * rowBytes_) {
      ::close(fd_);
      fd_ = -1;
      throw Napi::Error::New(env, "vector file: " + path + " is shorter than its rows");
    }
  }

  ~VectorFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  /**
   * scoreRows(query, rows, count, euclidean, out): the first `count` listed rows' dot products with the
   * query, or squared L2 distances when `euclidean`, bit-identical to the engine's kernel.
   */
  Napi::Value ScoreRows(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const Napi::Float32Array query = VectorArgOf(info, kWho, 0, "query", dimension_);
    const RowScoreArgs args = RowScoreArgsOf(info, kWho, 1, 2, 4);
    const bool euclidean = info[3].ToBoolean().Value();
    std::vector<double> q(query.Data(), query.Data() + dimension_);
    std::vector<float> row(dimension_);
    for (size_t j = 0; j < args.count; j++) {
      ReadRow(env, args.rows[j], row.data());
      args.out[j] = ScoreRow(row.data(), q.data(), dimension_, euclidean);
    }
    return env.Undefined();
  }

  /** readRows(first, count, out): rows first..first+count-1 into out, back to back. */
  Napi::Value ReadRows(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const size_t first = IntegerArg(info, kWho, 0, "first", 0, static_cast<double>(rows_));
    const size_t count = IntegerArg(info, kWho, 1, "count", 0, static_cast<double>(rows_ - first));
    auto out = TypedArrayArg<Napi::Float32Array>(info, kWho, 2, napi_float32_array, "out", "a Float32Array");
    if (out.ElementLength() < count * dimension_) throw Napi::RangeError::New(env, "vector file: out is too small");
    ReadFully(env, reinterpret_cast<char*>(out.Data()), count * rowBytes_, offset_ + first * rowBytes_);
    return env.Undefined();
  }

  /** Lets the file go now rather than when the object is collected; later reads throw. */
  Napi::Value Close(const Napi::CallbackInfo& info) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    return info.Env().Undefined();
  }

  void ReadRow(Napi::Env env, int32_t row, float* into) {
    if (row < 0 || static_cast<size_t>(row) >= rows_) throw Napi::RangeError::New(env, "vector file: row " + std::to_string(row) + " is not in the file");
    ReadFully(env, reinterpret_cast<char*>(into), rowBytes_, offset_ + static_cast<uint64_t>(row) * rowBytes_);
  }

  void ReadFully(Napi::Env env, char* into, size_t size, uint64_t at) {
    if (fd_ < 0) throw Napi::Error::New(env, "vector file: it is closed");
    while (size > 0) {
      const ssize_t got = ::pread(fd_, into, size, static_cast<off_t>(at));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) throw Napi::Error::New(env, std::string("vector file: read failed: ") + (got < 0 ? std::strerror(errno) : "the file ends early"));
      into += got;
      size -= static_cast<size_t>(got);
      at += static_cast<uint64_t>(got);
    }
  }

  int fd_ = -1;
  uint64_t offset_ = 0;
  size_t rows_ = 0;
  size_t dimension_ = 0;
  size_t rowBytes_ = 0;
};

}  // namespace

Napi::Function DefineVectorFile(Napi::Env env) { return VectorFile::Define(env); }

}  // namespace ossv
