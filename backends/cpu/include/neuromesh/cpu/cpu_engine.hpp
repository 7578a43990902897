#pragma once
// The multithreaded CPU backend: one shard of targets per thread, no atomics.
#include <memory>

#include <neuromesh/core/engine.hpp>

namespace neuromesh::cpu {

// Builds the engine for cfg.part (one shard per thread; cfg.part.n_shards() threads).
std::unique_ptr<engine> make_engine(engine_config cfg);

}  // namespace neuromesh::cpu
