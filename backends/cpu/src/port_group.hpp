#pragma once
// The neurons of a multisynapse model (neurons/multisynapse.hpp) in one shard (port_group.cpp):
// like neuron_group, but each neuron reads one input per receptor port -- port r from ring-buffer
// row r - 1 -- and is advanced by the model's `step_ports`.
#include <memory>

#include <neuromesh/neurons/lowered_population.hpp>

#include "population_group.hpp"

namespace neuromesh::cpu {

// The group of a lowered population slice of multisynapse model `Model`, in precision Real.
template <class Model, class Real>
std::unique_ptr<population_group> make_port_group(const lowered_population& low);

}  // namespace neuromesh::cpu
