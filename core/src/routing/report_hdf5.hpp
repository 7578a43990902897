#pragma once
// Writing a report's datasets and text attributes into a group of the run's HDF5 file (the
// /energy and /timing groups); errors name the file and the object.
#include <algorithm>
#include <string>
#include <vector>

#include <hdf5.h>

#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/io/sonata_writer.hpp>

namespace neuromesh::routing::detail {

using io::detail::hdf5_id;

template <class T>
void write_vector(hid_t group, const std::string& where, const char* name, const std::vector<T>& v, hid_t type,
                  const std::string& path) {
  const hsize_t n = v.size();
  hdf5_id space(H5Screate_simple(1, &n, nullptr));
  hdf5_id dset(H5Dcreate2(group, name, type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  if (!dset.valid() || (n && H5Dwrite(dset.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0))
    throw io_error(path, "cannot write " + where + "/" + name);
}

inline void write_text_attribute(hid_t obj, const std::string& where, const char* name, const std::string& text,
                                 const std::string& path) {
  hdf5_id type(H5Tcopy(H5T_C_S1));
  H5Tset_size(type.get(), std::max<std::size_t>(text.size(), 1));
  hdf5_id space(H5Screate(H5S_SCALAR));
  hdf5_id attr(H5Acreate2(obj, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT));
  if (!attr.valid() || H5Awrite(attr.get(), type.get(), text.empty() ? " " : text.c_str()) < 0)
    throw io_error(path, "cannot write attribute " + where + "." + name);
}

// Opens `path` and (re)creates the group `name` at its root.
inline hdf5_id replace_group(const hdf5_id& file, const char* name, const std::string& path) {
  if (H5Lexists(file.get(), name, H5P_DEFAULT) > 0) H5Ldelete(file.get(), name, H5P_DEFAULT);
  hdf5_id g(H5Gcreate2(file.get(), name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  if (!g.valid()) throw io_error(path, std::string("cannot create /") + name);
  return g;
}

}  // namespace neuromesh::routing::detail
