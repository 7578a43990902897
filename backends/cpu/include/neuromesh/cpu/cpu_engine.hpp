#pragma once
// The multithreaded CPU backend: one shard of targets per thread, no atomics.
#include <cstddef>
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

// The bytes each shard keeps for projection k of a validated network when it keeps it as a conv2d
// plan instead of rows (a static conv2d projection; the other conditions are in engine_options and
// the partition): the plan grows with the kernel, not with the synapses or the slice. 0 for a
// projection that is never a plan. For estimate_memory; the engine counts the same bytes.
std::size_t conv2d_plan_bytes(const network& net, std::size_t k);

}  // namespace neuromesh::cpu
