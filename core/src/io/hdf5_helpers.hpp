#pragma once
// HDF5 helpers shared by the writers of the output file (sonata_writer.cpp, edges_writer.cpp,
// weight_writer.cpp): every call's failure becomes an io_error naming the file and the object.
// Private to core/src/io.
#include <string>

#include <hdf5.h>

#include <neuromesh/core/io/sonata_writer.hpp>

namespace neuromesh::io::detail {

hdf5_id checked(hid_t id, const std::string& path, const std::string& what);
void check(herr_t rc, const std::string& path, const std::string& what);
bool link_exists(hid_t loc, const std::string& name);
void validate_name(const std::string& name, const std::string& what);
hdf5_id open_or_create_group(hid_t loc, const std::string& name, const std::string& path);
void write_attr(hid_t obj, const std::string& name, hid_t file_type, hid_t mem_type, const void* value, hsize_t n,
                const std::string& path);
void write_string_attr(hid_t obj, const std::string& name, const std::string& value, const std::string& path);
void write_double_attr(hid_t obj, const std::string& name, double value, const std::string& path);
// A chunked dataset that starts with dims[0] = 0 rows and can grow without limit along axis 0.
hdf5_id create_extendible(hid_t loc, const std::string& name, hid_t type, int rank, const hsize_t* dims,
                          const hsize_t* chunk, const std::string& path);
// Writes count rows from row `start` of a dataset already large enough.
void write_rows(hid_t dset, int rank, const hsize_t* start, const hsize_t* count, hid_t mem_type, const void* buf,
                const std::string& path, const std::string& where);
hdf5_id write_fixed(hid_t loc, const std::string& name, hid_t file_type, hid_t mem_type, hsize_t n, const void* data,
                    const std::string& path);
void divert_writes(hid_t obj_in_file);
void require_healthy(const file_state& state, const std::string& where);
void require_open(const output_file& file);

// A failed write leaves the file broken: its writes are diverted, the writers stop, and close()
// lets go of it.
template <class F>
void guarded(file_state& state, hid_t obj_in_file, F&& write) {
  try {
    write();
  } catch (const disk_full&) {
    throw;
  } catch (...) {
    if (!state.broken) divert_writes(obj_in_file);
    state.broken = true;
    throw;
  }
}

}  // namespace neuromesh::io::detail
