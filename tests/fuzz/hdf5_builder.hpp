#pragma once
// Structured HDF5 input for fuzzing the SONATA reader: the fuzzer's bytes are decoded into a valid
// HDF5 file (built with libhdf5's in-memory core driver) whose contents are hostile -- dataset
// types, ranks, layouts and declared sizes, attributes of every kind, unsorted/NaN/negative times,
// ids out of range, lying `sorting`, dangling and external links -- in neuromesh's layout
// (shared/specs/sonata.md). Corrupting the HDF5 metadata itself is left out: libhdf5 1.10 crashes on
// some damaged object headers, which neuromesh cannot fix (docs/reliability.md).
#include <cstdint>
#include <vector>

#include "fuzz_input.hpp"

namespace neuromesh::fuzz {

// The image of an HDF5 file built from `in` (never empty: at worst a file with no groups).
std::vector<std::uint8_t> build_hdf5_image(byte_reader& in);

}  // namespace neuromesh::fuzz
