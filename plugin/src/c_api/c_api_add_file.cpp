// The C ABI's af_job_add_file*: C arguments checked and copied into a
// FileSpec (BITS' AddFile / AddFileWithRanges), then handed to the core.
#include "c_api/c_api_internal.h"
#include "base/url.h"
#include "platform/path.h"

namespace af_shim {

// The manifest's URL rules (base/url.h), so a URL the CLI refuses
// is refused here too.
std::string check_url(const char* url, const char* what) {
  if (url == nullptr) return std::string(what) + " is NULL";
  static_assert(AF_MAX_URL_LENGTH == assetfetch::kMaxUrlLength);
  if (auto problem = assetfetch::url_problem(url)) return std::string(what) + ": " + *problem;
  return {};
}

af_code range_code(assetfetch::RangeProblem p) {
  switch (p) {
    case assetfetch::RangeProblem::none: return AF_OK;
    case assetfetch::RangeProblem::no_ranges: return AF_E_INVALID_ARG;
    case assetfetch::RangeProblem::eof_offset: return AF_E_INVALID_RANGE;
    case assetfetch::RangeProblem::zero_length: return AF_E_INVALID_RANGE;
    case assetfetch::RangeProblem::overlapping: return AF_E_OVERLAPPING_RANGES;
    case assetfetch::RangeProblem::too_many: return AF_E_TOO_MANY_RANGES;
    case assetfetch::RangeProblem::too_large: return AF_E_INVALID_RANGE;
  }
  return AF_E_INVALID_ARG;
}

namespace {

// The whole file's digest: none when both are NULL and the job allows
// unverified files. Throws InputError for malformed hex.
af_code parse_hash(af_job* job, const std::string& fn, const char* hash_algo, const char* hash_hex,
                   std::optional<assetfetch::Digest>* out) {
  if (hash_algo == nullptr && hash_hex == nullptr && job->allow_unverified) return AF_OK;
  if (hash_algo == nullptr || hash_hex == nullptr)
    return save_error(job, AF_E_INVALID_ARG,
                      fn + ": hash_algo and hash_hex are required (\"sha256\" or \"sha512\")" +
                          (job->allow_unverified ? "; give both or neither"
                                                 : "; both NULL needs allow_unverified"));
  std::string algorithm_name(hash_algo);
  for (char& ch : algorithm_name)
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  const auto algorithm = assetfetch::parse_algorithm(algorithm_name);
  if (!algorithm)
    return save_error(job, AF_E_INVALID_ARG,
                      fn + ": unknown hash algorithm '" + hash_algo + "'; use \"sha256\" or \"sha512\"");
  *out = assetfetch::parse_digest(*algorithm, hash_hex, fn + " hash_hex");
  return AF_OK;
}

// The caller's ranges as ByteRanges. Throws InputError for a malformed hash.
af_code ranges_from(af_job* job, const std::string& fn, const RangesIn& in,
                    assetfetch::FileSpec* spec) {
  if (!in.given) return AF_OK;
  if (in.ranges == nullptr && in.ranges2 == nullptr && in.count != 0)
    return save_error(job, AF_E_INVALID_ARG, fn + ": ranges is NULL but n_ranges is not 0");
  if ((in.flags & ~static_cast<unsigned>(AF_ADD_SPARSE)) != 0)
    return save_error(job, AF_E_INVALID_ARG,
                      fn + ": flags " + std::to_string(in.flags) +
                          " include bits this library (" ASSETFETCH_VERSION_STRING ") does not know");
  for (size_t i = 0; i < in.count; ++i) {
    assetfetch::ByteRange r;
    if (in.ranges2 != nullptr) {
      r.offset = in.ranges2[i].offset;
      r.length = in.ranges2[i].length;
      if (const char* hex = in.ranges2[i].sha256; hex != nullptr)
        r.digest = assetfetch::parse_digest(assetfetch::HashAlgorithm::sha256, hex,
                                            fn + " ranges[" + std::to_string(i) + "].sha256");
    } else {
      r.offset = in.ranges[i].offset;
      r.length = in.ranges[i].length;
    }
    spec->ranges.push_back(std::move(r));
  }
  spec->ranges_given = true;
  spec->layout = (in.flags & AF_ADD_SPARSE) != 0 ? assetfetch::Layout::sparse
                                                  : assetfetch::Layout::concatenated;
  return AF_OK;
}

}  // namespace

af_code add_file(af_job* job, const char* function, const char* const* urls, size_t n_urls,
                 const char* local_path, const char* hash_algo, const char* hash_hex,
                 const RangesIn& ranges, af_file** out) {
  if (!is_live(job, kJobMagic)) return bad_handle(function, "job");
  if (in_own_callback(job)) return recursive_call(job, function);
  return guarded(job, function, [&]() -> af_code {
    const std::string fn(function);
    if (urls == nullptr || n_urls == 0)
      return save_error(job, AF_E_INVALID_ARG, fn + ": give at least one URL");
    if (local_path == nullptr || *local_path == '\0')
      return save_error(job, AF_E_INVALID_ARG, fn + ": local_path is NULL or empty");

    std::vector<std::string> declared;
    for (size_t i = 0; i < n_urls; ++i) {
      const std::string what = "urls[" + std::to_string(i) + "]";
      if (std::string why = check_url(urls[i], what.c_str()); !why.empty())
        return save_error(job, AF_E_INVALID_ARG, fn + ": " + why);
      declared.emplace_back(urls[i]);
    }

    assetfetch::FileSpec spec;
    if (af_code rc = parse_hash(job, fn, hash_algo, hash_hex, &spec.digest); rc != AF_OK) return rc;
    spec.allow_unverified = !spec.digest;
    if (af_code rc = ranges_from(job, fn, ranges, &spec); rc != AF_OK) return rc;

    spec.local_name = std::filesystem::absolute(assetfetch::platform::path_from_utf8(local_path));
    spec.name = assetfetch::platform::utf8_of(spec.local_name.filename());
    if (spec.name.empty())
      return save_error(job, AF_E_INVALID_ARG,
                        fn + ": local_path '" + local_path + "' names a directory, not a file");
    spec.urls = std::move(declared);  // the core expands them by the job's source policy

    if (refuses_changes(job->job->state()))
      return save_error(job, AF_E_STATE,
                        fn + ": the job is " + assetfetch::state_name(job->job->state()) +
                            " and takes no new files");

    ErrorContext error;
    assetfetch::File* f = job->job->add_file(std::move(spec), &error);
    if (f == nullptr) {
      // BITS' AddFileWithRanges rules each have their own code.
      af_code code = range_code(error.range_problem);
      if (code == AF_OK) code = code_for(error);
      if (code == AF_OK) code = AF_E_INVALID_ARG;
      return save_error(job, code, fn + ": " + message_of(error, "the file was refused"));
    }
    af_file* wrapped = nullptr;
    {
      std::lock_guard lock(job->mu);
      wrapped = wrap_locked(job, f);
    }
    if (out != nullptr) *out = wrapped;
    return AF_OK;
  });
}

}  // namespace af_shim
