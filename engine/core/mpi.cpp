// Scale-out over processes: MPI when built with SMARTPOWER_MPI, a single rank otherwise.
// The library never starts MPI by itself in a process that mpirun did not launch.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>
#include <cstring>
#include <stdexcept>

#include "smartpower/core/ensemble.hpp"

#ifdef SMARTPOWER_WITH_MPI
#define OMPI_SKIP_MPICXX 1  // the C API only
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>
#endif

namespace smartpower {
namespace {

thread_local int g_local_depth = 0;  // > 0 inside distributed_map: ensembles stay local

#ifdef SMARTPOWER_WITH_MPI
bool launched_by_mpirun() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "MPI_LOCALNRANKS"}) {
    if (std::getenv(v)) return true;
  }
  return false;
}

struct MpiSession {
  Cluster c;
  bool owned = false;
  MpiSession() {
    if (!launched_by_mpirun()) return;
    int initialised = 0;
    MPI_Initialized(&initialised);
    if (!initialised) {
      int provided = 0;
      MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided);
      owned = true;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &c.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &c.size);
  }
  ~MpiSession() {
    int finalised = 0;
    MPI_Finalized(&finalised);
    if (owned && !finalised) MPI_Finalize();
  }
};

MpiSession& session() {
  static MpiSession s;
  return s;
}
#endif

}  // namespace

bool built_with_mpi() {
#ifdef SMARTPOWER_WITH_MPI
  return true;
#else
  return false;
#endif
}

Cluster cluster() {
#ifdef SMARTPOWER_WITH_MPI
  return session().c;
#else
  return {};
#endif
}

namespace detail {

bool distribute_ensembles() { return g_local_depth == 0 && cluster().size > 1; }

LocalEnsembles::LocalEnsembles() { ++g_local_depth; }
LocalEnsembles::~LocalEnsembles() { --g_local_depth; }

void broadcast_bytes(void* data, std::size_t bytes, int root) {
#ifdef SMARTPOWER_WITH_MPI
  if (cluster().size < 2) return;
  char* p = static_cast<char*>(data);
  constexpr std::size_t kPiece = std::size_t{1} << 30;
  do {
    const std::size_t n = std::min(bytes, kPiece);
    // Non-blocking, polled with short sleeps: a rank waiting for another's chunk must not
    // spin a core that its own worker threads need.
    MPI_Request req;
    MPI_Ibcast(p, static_cast<int>(n), MPI_BYTE, root, MPI_COMM_WORLD, &req);
    int done = 0;
    MPI_Test(&req, &done, MPI_STATUS_IGNORE);
    while (!done) {
      std::this_thread::sleep_for(std::chrono::microseconds(50));
      MPI_Test(&req, &done, MPI_STATUS_IGNORE);
    }
    p += n;
    bytes -= n;
  } while (bytes > 0);
#else
  (void)data, (void)bytes, (void)root;
#endif
}

}  // namespace detail

std::vector<double> distributed_map(int items, std::size_t item_size,
                                    const std::function<void(int, std::span<double>)>& fn) {
  const Cluster c = cluster();
  std::vector<double> out(static_cast<std::size_t>(std::max(0, items)) * item_size, 0.0);
  std::string error;
  ++g_local_depth;
  for (int i = c.rank; i < items; i += c.size) {
    try {
      fn(i, std::span<double>(out.data() + static_cast<std::size_t>(i) * item_size, item_size));
    } catch (const std::exception& e) {
      if (error.empty()) error = e.what();
    } catch (...) {
      if (error.empty()) error = "unknown error";
    }
  }
  --g_local_depth;
  if (c.size > 1) {
    // Agree on the first error (by rank), then share every item from its owner.
    for (int r = 0; r < c.size; ++r) {
      std::uint64_t len = r == c.rank ? error.size() : 0;
      detail::broadcast_bytes(&len, sizeof len, r);
      if (len == 0) continue;
      std::string msg(len, '\0');
      if (r == c.rank) msg = error;
      detail::broadcast_bytes(msg.data(), len, r);
      throw std::runtime_error(msg);
    }
    for (int i = 0; i < items; ++i) {
      detail::broadcast_bytes(out.data() + static_cast<std::size_t>(i) * item_size, item_size * sizeof(double),
                              i % c.size);
    }
  } else if (!error.empty()) {
    throw std::runtime_error(error);
  }
  return out;
}

double broadcast_from_root(double value) {
  detail::broadcast_bytes(&value, sizeof value, 0);
  return value;
}

}  // namespace smartpower
