#pragma once
// The multithreaded CPU backend: one shard of targets per thread, no atomics.
#include <memory>

#include <neuromesh/core/engine.hpp>

namespace neuromesh::cpu {

struct engine_options {
  // Every projection's synapses stored as rows (connectivity "stored"). Otherwise (the default) a
  // static conv2d projection onto a contiguous shard slice stores none: its synapses are
  // generated from the kernel wherever they are delivered or read (docs/nir.md, "Memory and speed").
  bool stored_rows = false;
};

// Builds the engine for cfg.part (one shard per thread; cfg.part.n_shards() threads).
std::unique_ptr<engine> make_engine(engine_config cfg, engine_options opt = {});

}  // namespace neuromesh::cpu
