// SONATA writer/reader round trips, legacy layouts and error messages (shared/specs/sonata.md).
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <hdf5.h>

#include <neuromesh/core/engine.hpp>
#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/io/sonata_reader.hpp>
#include <neuromesh/core/io/sonata_writer.hpp>
#include <neuromesh/core/network.hpp>
#include <neuromesh/core/recording.hpp>

namespace {

namespace fs = std::filesystem;
namespace nio = neuromesh::io;
using nio::detail::hdf5_id;

// A fresh path per test under gtest's temp dir (pid-qualified: ctest runs tests in parallel).
std::string temp_path(const std::string& name) {
  const auto* info = testing::UnitTest::GetInstance()->current_test_info();
  const fs::path dir = fs::path(testing::TempDir()) / ("neuromesh_sonata_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path p = dir / (std::string(info->test_suite_name()) + "_" + info->name() + "_" + name);
  fs::remove_all(p);
  return p.string();
}

// Every test must leave no HDF5 file, group, dataset, type or attribute open: leaks would keep
// output files locked and unflushed.
class SonataIo : public testing::Test {
 protected:
  void TearDown() override { EXPECT_EQ(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL), 0) << "HDF5 handles leaked"; }
};

struct spike_list {
  std::vector<std::uint64_t> ids;
  std::vector<double> times;
};

// Time-ordered spikes with repeated times (several spikes per step), as the engine produces them.
spike_list make_spikes(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  spike_list s;
  std::int64_t step = 0;
  for (std::size_t i = 0; i < n; ++i) {
    step += static_cast<std::int64_t>(rng() % 3);
    s.ids.push_back(rng() % 500);
    s.times.push_back(static_cast<double>(step) * 0.1);
  }
  return s;
}

// Appends in uneven pieces so buffer and chunk boundaries fall mid-append.
void append_in_pieces(nio::spike_writer& w, const spike_list& s) {
  const std::size_t pieces[] = {1, 37, 0, 250, 99, 613, 5};
  std::size_t done = 0;
  for (std::size_t k = 0; done < s.ids.size(); ++k) {
    const std::size_t n = std::min(pieces[k % std::size(pieces)], s.ids.size() - done);
    w.append(std::span(s.ids).subspan(done, n), std::span(s.times).subspan(done, n));
    done += n;
  }
}

template <class Fn>
void expect_io_error(Fn fn, const std::string& needle) {
  try {
    fn();
    ADD_FAILURE() << "expected io_error containing '" << needle << "'";
  } catch (const neuromesh::io_error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

// Raw HDF5 helpers to build legacy files the way other tools write them.
void raw_1d(hid_t loc, const char* name, hid_t file_type, hid_t mem_type, const void* data, hsize_t n) {
  hdf5_id space(H5Screate_simple(1, &n, nullptr));
  hdf5_id dset(H5Dcreate2(loc, name, file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  ASSERT_TRUE(dset.valid());
  ASSERT_GE(H5Dwrite(dset.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), 0);
}

void raw_string_attr(hid_t obj, const char* name, const std::string& value, bool variable) {
  hdf5_id type(H5Tcopy(H5T_C_S1));
  H5Tset_size(type.get(), variable ? H5T_VARIABLE : value.size() + 1);
  hdf5_id space(H5Screate(H5S_SCALAR));
  hdf5_id attr(H5Acreate2(obj, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT));
  const char* c = value.c_str();
  ASSERT_GE(H5Awrite(attr.get(), type.get(), variable ? static_cast<const void*>(&c) : c), 0);
}

TEST_F(SonataIo, SpikesRoundTripTwoPopulations) {
  const std::string path = temp_path("spikes.h5");
  const spike_list a = make_spikes(5000, 1), b = make_spikes(777, 2);
  {
    nio::output_file file(path);
    nio::spike_writer wa(file, "E", nio::sorting::by_time, 100);
    nio::spike_writer wb(file, "I", nio::sorting::by_time, 64);
    append_in_pieces(wa, a);
    append_in_pieces(wb, b);
    EXPECT_EQ(wa.count(), a.ids.size());
    EXPECT_EQ(wb.count(), b.ids.size());
  }
  const auto spikes = nio::read_spikes(path);
  ASSERT_EQ(spikes.size(), 2u);
  EXPECT_EQ(spikes.at("E").node_ids, a.ids);
  EXPECT_EQ(spikes.at("E").timestamps_ms, a.times);
  EXPECT_EQ(spikes.at("E").sorting, "by_time");
  EXPECT_EQ(spikes.at("I").node_ids, b.ids);
  EXPECT_EQ(spikes.at("I").timestamps_ms, b.times);
}

TEST_F(SonataIo, EmptyPopulationIsPresentAndEmpty) {
  const std::string path = temp_path("empty.h5");
  {
    nio::output_file file(path);
    nio::spike_writer w(file, "silent");
  }
  const auto spikes = nio::read_spikes(path);
  ASSERT_EQ(spikes.count("silent"), 1u);
  EXPECT_TRUE(spikes.at("silent").node_ids.empty());
  EXPECT_TRUE(spikes.at("silent").timestamps_ms.empty());
  EXPECT_EQ(spikes.at("silent").sorting, "by_time");
}

TEST_F(SonataIo, RootAttributesAndSortingEnumMatchSpec) {
  const std::string path = temp_path("layout.h5");
  {
    nio::output_file file(path);
    nio::spike_writer w(file, "E");
  }
  hdf5_id f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  std::uint32_t magic = 0, version[2] = {9, 9};
  hdf5_id m(H5Aopen(f.get(), "magic", H5P_DEFAULT)), v(H5Aopen(f.get(), "version", H5P_DEFAULT));
  ASSERT_GE(H5Aread(m.get(), H5T_NATIVE_UINT32, &magic), 0);
  ASSERT_GE(H5Aread(v.get(), H5T_NATIVE_UINT32, version), 0);
  EXPECT_EQ(magic, 0x0A7Au);
  EXPECT_EQ(version[0], 0u);
  EXPECT_EQ(version[1], 1u);
  hdf5_id group(H5Gopen2(f.get(), "/spikes/E", H5P_DEFAULT));
  hdf5_id sorting(H5Aopen(group.get(), "sorting", H5P_DEFAULT));
  hdf5_id type(H5Aget_type(sorting.get()));
  ASSERT_EQ(H5Tget_class(type.get()), H5T_ENUM);
  hdf5_id base(H5Tget_super(type.get()));
  EXPECT_GT(H5Tequal(base.get(), H5T_STD_U8LE), 0);
  ASSERT_EQ(H5Tget_nmembers(type.get()), 3);
  const char* names[] = {"none", "by_id", "by_time"};
  for (std::uint8_t i = 0; i < 3; ++i) {
    char name[16] = {};
    ASSERT_GE(H5Tenum_nameof(type.get(), &i, name, sizeof name), 0);
    EXPECT_STREQ(name, names[i]);
  }
}

TEST_F(SonataIo, OutOfOrderSpikesDowngradeSortingToNone) {
  const std::string path = temp_path("unsorted.h5");
  {
    nio::output_file file(path);
    nio::spike_writer t(file, "T", nio::sorting::by_time);
    nio::spike_writer i(file, "I", nio::sorting::by_id);
    nio::spike_writer ok(file, "ok", nio::sorting::by_id);
    const std::vector<std::uint64_t> ids = {3, 1};
    const std::vector<double> times = {5.0, 1.0};
    t.append(ids, times);
    i.append(ids, times);
    EXPECT_EQ(t.order(), nio::sorting::none);
    const std::vector<std::uint64_t> sorted_ids = {1, 1, 2};
    const std::vector<double> id_times = {1.0, 4.0, 0.5};
    ok.append(sorted_ids, id_times);
  }
  const auto spikes = nio::read_spikes(path);
  EXPECT_EQ(spikes.at("T").sorting, "none");
  EXPECT_EQ(spikes.at("I").sorting, "none");
  EXPECT_EQ(spikes.at("ok").sorting, "by_id");
}

TEST_F(SonataIo, TimeWindowMatchesBruteForce) {
  const std::string path = temp_path("window.h5");
  const spike_list s = make_spikes(20000, 3);
  {
    nio::output_file file(path);
    nio::spike_writer sorted(file, "sorted", nio::sorting::by_time, 1000);
    nio::spike_writer unsorted(file, "unsorted", nio::sorting::none, 1000);
    sorted.append(s.ids, s.times);
    unsorted.append(s.ids, s.times);
  }
  const double t_end = s.times.back();
  const std::pair<double, double> windows[] = {{10.0, 20.0},           {0.0, 0.1},   {t_end, t_end + 1}, {-5.0, 0.0},
                                               {t_end + 1, t_end + 2}, {50.0, 50.0}, {-INFINITY, 3.3}};
  for (const auto& [lo, hi] : windows) {
    spike_list expected;
    for (std::size_t i = 0; i < s.ids.size(); ++i)
      if (s.times[i] >= lo && s.times[i] < hi) expected.ids.push_back(s.ids[i]), expected.times.push_back(s.times[i]);
    const auto got = nio::read_spikes(path, lo, hi);
    for (const char* pop : {"sorted", "unsorted"}) {
      EXPECT_EQ(got.at(pop).node_ids, expected.ids) << pop << " [" << lo << ", " << hi << ")";
      EXPECT_EQ(got.at(pop).timestamps_ms, expected.times) << pop << " [" << lo << ", " << hi << ")";
    }
  }
}

TEST_F(SonataIo, FlushedFileReadsConsistentlyWhileWriterIsOpen) {
  const std::string path = temp_path("open.h5");
  const spike_list s = make_spikes(2500, 4);
  nio::output_file file(path);
  nio::spike_writer w(file, "E", nio::sorting::by_time, 1000);
  const std::vector<std::uint64_t> ids = {0, 1, 2};
  nio::report_writer r(file, "E", "v", "mV", ids, 0.0, 0.1);
  w.append(std::span(s.ids).first(1500), std::span(s.times).first(1500));
  for (int k = 0; k < 7; ++k) r.append_frame(std::vector<float>{static_cast<float>(k), 2.0f, 3.0f});
  w.flush();
  r.flush();
  auto spikes = nio::read_spikes(path);
  EXPECT_EQ(spikes.at("E").node_ids, std::vector(s.ids.begin(), s.ids.begin() + 1500));
  EXPECT_EQ(spikes.at("E").timestamps_ms.size(), 1500u);
  auto reports = nio::read_reports(path);
  EXPECT_EQ(reports.at("E").frames, 7u);
  EXPECT_NEAR(reports.at("E").tstop, 0.7, 1e-12);
  // More data without a flush: whatever is visible must still have equal lengths.
  w.append(std::span(s.ids).subspan(1500), std::span(s.times).subspan(1500));
  spikes = nio::read_spikes(path);
  EXPECT_EQ(spikes.at("E").node_ids.size(), spikes.at("E").timestamps_ms.size());
  EXPECT_GE(spikes.at("E").node_ids.size(), 1500u);
}

// A process that dies after flush() (no destructors, no close) must leave a readable file.
TEST_F(SonataIo, KilledProcessLeavesReadableFileAfterFlush) {
  const std::string path = temp_path("killed.h5");
  const spike_list s = make_spikes(3000, 5);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    try {
      nio::output_file file(path);
      nio::spike_writer w(file, "E", nio::sorting::by_time, 512);
      w.append(s.ids, s.times);
      w.flush();
      ::_exit(0);  // no destructors run: the file is never closed
    } catch (...) {
      ::_exit(1);
    }
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  const auto spikes = nio::read_spikes(path);
  EXPECT_EQ(spikes.at("E").node_ids, s.ids);
  EXPECT_EQ(spikes.at("E").timestamps_ms, s.times);
}

TEST_F(SonataIo, ReportRoundTripAcrossBlocks) {
  const std::string path = temp_path("report.h5");
  const std::size_t n = 5000, frames = 130;  // 2^18 / 5000 = 52 frames per block
  std::vector<std::uint64_t> ids(n);
  for (std::size_t i = 0; i < n; ++i) ids[i] = 2 * i;
  std::vector<double> all;
  {
    nio::output_file file(path);
    nio::report_writer v(file, "E", "v", "mV", ids, 5.0, 0.1);
    nio::report_writer g(file, "E", "g_ex", "nS", std::span(ids).first(2), 5.0, 0.1, "E_g_ex");
    std::vector<float> frame(n);
    for (std::size_t f = 0; f < frames; ++f) {
      for (std::size_t i = 0; i < n; ++i) frame[i] = static_cast<float>(f) * 0.5f - static_cast<float>(i);
      v.append_frame(frame);
      all.insert(all.end(), frame.begin(), frame.end());
    }
    g.append_frame(std::vector<float>{1.0f, 2.0f});
    EXPECT_EQ(v.frames(), frames);
  }
  const auto reports = nio::read_reports(path);
  ASSERT_EQ(reports.size(), 2u);
  const auto& v = reports.at("E");
  EXPECT_EQ(v.population, "E");
  EXPECT_EQ(v.variable, "v");
  EXPECT_EQ(v.units, "mV");
  EXPECT_EQ(v.node_ids, ids);
  EXPECT_EQ(v.frames, frames);
  EXPECT_EQ(v.values, n);
  EXPECT_EQ(v.data, all);
  EXPECT_DOUBLE_EQ(v.tstart, 5.0);
  EXPECT_DOUBLE_EQ(v.dt, 0.1);
  EXPECT_NEAR(v.tstop, 5.0 + 130 * 0.1, 1e-9);
  // bmtk counts frames as int((tstop - tstart) / dt); libsonata as t < tstop - 1e-6.
  EXPECT_EQ(static_cast<std::size_t>((v.tstop - v.tstart) / v.dt), frames);
  const auto& g = reports.at("E_g_ex");
  EXPECT_EQ(g.population, "E");
  EXPECT_EQ(g.variable, "g_ex");
  EXPECT_EQ(g.frames, 1u);
  EXPECT_EQ(g.data, (std::vector<double>{1.0, 2.0}));
  EXPECT_EQ(v.type, "float32");
}

// Reports hold what the run computed: float64 for a double-precision run (float32 would lose up
// to ~4e-6 mV of a membrane potential), float32 for a single-precision one; the reader returns
// both exactly.
TEST_F(SonataIo, ReportIsStoredInTheRunPrecision) {
  const std::string path = temp_path("precision.h5");
  const std::vector<std::uint64_t> ids = {0, 3};
  const std::vector<double> frame = {-65.123456789012345, -0.1 - 1e-12};
  {
    nio::output_file file(path);
    nio::report_writer d(file, "E", "V_m", "mV", ids, 0.0, 0.1, "", nio::report_type::float64);
    nio::report_writer f(file, "E", "g_ex", "nS", ids, 0.0, 0.1, "E_g_ex", nio::report_type::float32);
    EXPECT_EQ(d.type(), nio::report_type::float64);
    EXPECT_EQ(f.type(), nio::report_type::float32);
    d.append_frame(std::span<const double>(frame));
    d.append_frame(std::vector<float>{1.5f, -2.25f});  // float input widens exactly
    f.append_frame(std::span<const double>(frame));
  }
  const auto reports = nio::read_reports(path);
  const auto& d = reports.at("E");
  EXPECT_EQ(d.type, "float64");
  EXPECT_EQ(d.data, (std::vector<double>{frame[0], frame[1], 1.5, -2.25}));
  const auto& f = reports.at("E_g_ex");
  EXPECT_EQ(f.type, "float32");
  std::vector<double> rounded;  // what float32 holds of each value
  for (double x : frame) rounded.push_back(static_cast<float>(x));
  EXPECT_EQ(f.data, rounded);
  hdf5_id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  for (const auto& [name, bytes] : {std::pair{"/report/E/data", 8u}, std::pair{"/report/E_g_ex/data", 4u}}) {
    hdf5_id data(H5Dopen2(file.get(), name, H5P_DEFAULT));
    hdf5_id type(H5Dget_type(data.get()));
    EXPECT_EQ(H5Tget_class(type.get()), H5T_FLOAT) << name;
    EXPECT_EQ(H5Tget_size(type.get()), bytes) << name;
  }
  const std::string text = nio::describe_file(path);
  EXPECT_NE(text.find("2 frames, dt 0.1 ms, t 0..0.2 ms, float64"), std::string::npos) << text;
  EXPECT_NE(text.find("1 frames, dt 0.1 ms, t 0..0.1 ms, float32"), std::string::npos) << text;
}

TEST_F(SonataIo, ReportMappingHasIndexPointerHardLink) {
  const std::string path = temp_path("mapping.h5");
  {
    nio::output_file file(path);
    const std::vector<std::uint64_t> ids = {4, 2, 9};
    nio::report_writer r(file, "P", "v", "mV", ids, 0.0, 0.25);
    r.append_frame(std::vector<float>{1, 2, 3});
  }
  hdf5_id f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  for (const char* name : {"/report/P/mapping/index_pointers", "/report/P/mapping/index_pointer"}) {
    H5L_info_t info;
    ASSERT_GE(H5Lget_info(f.get(), name, &info, H5P_DEFAULT), 0) << name;
    EXPECT_EQ(info.type, H5L_TYPE_HARD) << name;
    hdf5_id d(H5Dopen2(f.get(), name, H5P_DEFAULT));
    std::uint64_t v[4] = {};
    ASSERT_GE(H5Dread(d.get(), H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v), 0);
    EXPECT_EQ(std::vector<std::uint64_t>(v, v + 4), (std::vector<std::uint64_t>{0, 1, 2, 3}));
  }
  hdf5_id ids(H5Dopen2(f.get(), "/report/P/mapping/node_ids", H5P_DEFAULT));
  hdf5_id sorted(H5Aopen(ids.get(), "sorted", H5P_DEFAULT));
  std::int8_t s = 1;
  ASSERT_GE(H5Aread(sorted.get(), H5T_NATIVE_INT8, &s), 0);
  EXPECT_EQ(s, 0);
}

TEST_F(SonataIo, ProvenanceCanBeWrittenTwice) {
  const std::string path = temp_path("provenance.h5");
  {
    nio::output_file file(path);
    nio::write_provenance(file, {{"backend", "cpu"}, {"version", "0.1.0"}}, {{"seed", 42}, {"dt", 0.1}});
    nio::write_provenance(file, {{"seed", "forty-two"}}, {{"wall_s", 1.5}, {"dt", 0.05}});
  }
  const auto p = nio::read_provenance(path);
  EXPECT_EQ(p.text.at("backend"), "cpu");
  EXPECT_EQ(p.text.at("seed"), "forty-two");
  EXPECT_EQ(p.numbers.count("seed"), 0u);
  EXPECT_DOUBLE_EQ(p.numbers.at("dt"), 0.05);
  EXPECT_DOUBLE_EQ(p.numbers.at("wall_s"), 1.5);
  const std::string text = nio::describe_file(path);
  EXPECT_NE(text.find("backend = cpu"), std::string::npos) << text;
}

TEST_F(SonataIo, DescribeFileSummarisesSpikesAndReports) {
  const std::string path = temp_path("describe.h5");
  {
    nio::output_file file(path);
    nio::spike_writer w(file, "E");
    const std::vector<std::uint64_t> ids = {0, 9, 3, 9};
    const std::vector<double> times = {1.0, 2.0, 2.0, 7.5};
    w.append(ids, times);
    nio::report_writer r(file, "E", "v", "mV", std::span(ids).first(2), 0.0, 0.1);
    r.append_frame(std::vector<float>{0, 0});
    nio::write_provenance(file, {}, {{"duration_ms", 1000.0}});
  }
  const std::string text = nio::describe_file(path);
  EXPECT_NE(text.find("E: 4 spikes, node ids 0..9, t 1..7.5 ms, mean rate 0.4 Hz"), std::string::npos) << text;
  EXPECT_NE(text.find("variable v [mV], 2 nodes, 1 frames, dt 0.1 ms"), std::string::npos) << text;
}

// Spikes stamped exactly at the end of the run (fired in its last step) count like any other:
// `neuromesh info` and neuromesh.analysis give spikes / neurons / duration over every spike.
TEST_F(SonataIo, DescribeFileCountsSpikesAtTheEndOfTheRun) {
  const std::string path = temp_path("end.h5");
  {
    nio::output_file file(path);
    nio::spike_writer w(file, "S");
    const std::vector<std::uint64_t> ids = {0, 1, 0, 1};
    const std::vector<double> times = {10.0, 50.0, 100.0, 100.0};
    w.append(ids, times);
    nio::write_provenance(file, {}, {{"duration_ms", 100.0}, {"population_size.S", 2.0}});
  }
  const std::string text = nio::describe_file(path);
  EXPECT_NE(text.find("S: 4 spikes, node ids 0..1, t 10..100 ms, mean rate 20 Hz (2 nodes, 100 ms"), std::string::npos)
      << text;
}

TEST_F(SonataIo, LegacyFlatGidsLayout) {
  const std::string path = temp_path("legacy_flat.h5");
  {
    hdf5_id f(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
    hdf5_id spikes(H5Gcreate2(f.get(), "spikes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    const std::int32_t gids[] = {0, 0, 1, 2};
    const float times[] = {0.5f, 3.0f, 1.0f, 0.25f};
    raw_1d(spikes.get(), "gids", H5T_STD_I32LE, H5T_NATIVE_INT32, gids, 4);
    raw_1d(spikes.get(), "timestamps", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, times, 4);
    raw_string_attr(spikes.get(), "sorting", "by_gid", true);
  }
  const auto spikes = nio::read_spikes(path);
  ASSERT_EQ(spikes.size(), 1u);
  const auto& s = spikes.at(nio::flat_spike_population);
  EXPECT_EQ(s.node_ids, (std::vector<std::uint64_t>{0, 0, 1, 2}));
  EXPECT_EQ(s.timestamps_ms, (std::vector<double>{0.5, 3.0, 1.0, 0.25}));
  EXPECT_EQ(s.sorting, "by_id");
}

TEST_F(SonataIo, LegacyFlatNodeIdsWithoutSorting) {
  const std::string path = temp_path("legacy_node_ids.h5");
  {
    hdf5_id f(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
    hdf5_id spikes(H5Gcreate2(f.get(), "spikes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    const std::uint64_t ids[] = {7, 3};
    const double times[] = {2.0, 1.0};
    raw_1d(spikes.get(), "node_ids", H5T_STD_U64LE, H5T_NATIVE_UINT64, ids, 2);
    raw_1d(spikes.get(), "timestamps", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, times, 2);
  }
  const auto s = nio::read_spikes(path).at("spikes");
  EXPECT_EQ(s.node_ids, (std::vector<std::uint64_t>{7, 3}));
  EXPECT_EQ(s.timestamps_ms, (std::vector<double>{2.0, 1.0}));
  EXPECT_EQ(s.sorting, "");
}

// A population group with gids, a fixed-length string sorting and timestamps in seconds.
TEST_F(SonataIo, LegacyPopulationGroupWithGidsAndSeconds) {
  const std::string path = temp_path("legacy_pop.h5");
  {
    hdf5_id f(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
    hdf5_id spikes(H5Gcreate2(f.get(), "spikes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    hdf5_id pop(H5Gcreate2(spikes.get(), "lgn", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    const std::uint32_t gids[] = {4, 5, 6};
    const double times[] = {0.001, 0.002, 0.003};
    raw_1d(pop.get(), "gids", H5T_STD_U32LE, H5T_NATIVE_UINT32, gids, 3);
    raw_1d(pop.get(), "timestamps", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, times, 3);
    raw_string_attr(pop.get(), "sorting", "by_time", false);
    hdf5_id ts(H5Dopen2(pop.get(), "timestamps", H5P_DEFAULT));
    raw_string_attr(ts.get(), "units", "s", false);
  }
  const auto s = nio::read_spikes(path).at("lgn");
  EXPECT_EQ(s.node_ids, (std::vector<std::uint64_t>{4, 5, 6}));
  ASSERT_EQ(s.timestamps_ms.size(), 3u);
  EXPECT_DOUBLE_EQ(s.timestamps_ms[1], 2.0);
  EXPECT_EQ(s.sorting, "by_time");
  EXPECT_EQ(nio::read_spikes(path, 1.5, 2.5).at("lgn").node_ids, (std::vector<std::uint64_t>{5}));
}

TEST_F(SonataIo, ReadErrorsNameTheFile) {
  const std::string missing = temp_path("missing.h5");
  expect_io_error([&] { nio::read_spikes(missing); }, "file not found");
  expect_io_error([&] { nio::describe_file(missing); }, missing);
  const std::string text = temp_path("notes.txt");
  std::ofstream(text) << "not hdf5\n";
  expect_io_error([&] { nio::describe_file(text); }, "is not an HDF5 file; expected a neuromesh/SONATA output file");
  expect_io_error([&] { nio::read_reports(text); }, text);
}

TEST_F(SonataIo, WriteErrorsTellTheUserWhatToDo) {
  const std::string dir = temp_path("no_such_dir");
  expect_io_error([&] { nio::output_file f(dir + "/out.h5"); }, "does not exist");
  const std::string file = temp_path("plain_file");
  std::ofstream(file) << "x";
  expect_io_error([&] { nio::output_file f(file + "/out.h5"); }, "is not a directory");
  expect_io_error([&] { nio::output_file f(fs::path(file).parent_path().string()); }, "is a directory");
}

TEST_F(SonataIo, UnwritableDirectoryIsReported) {
  const std::string dir = temp_path("read_only");
  fs::create_directories(dir);
  fs::permissions(dir, fs::perms::owner_read | fs::perms::owner_exec);
  if (::access(dir.c_str(), W_OK) == 0) {
    // Root ignores directory permissions (CI runs as root): check the unwritable case nobody can
    // bypass instead -- a "directory" that is a regular file.
    fs::permissions(dir, fs::perms::owner_all);
    const std::string plain = temp_path("plain_file");
    std::ofstream(plain) << "not a directory";
    expect_io_error([&] { nio::output_file f(plain + "/out.h5"); }, "is not a directory");
    return;
  }
  expect_io_error([&] { nio::output_file f(dir + "/out.h5"); }, "is not writable");
  fs::permissions(dir, fs::perms::owner_all);
}

TEST_F(SonataIo, MisuseIsRejected) {
  const std::string path = temp_path("misuse.h5");
  nio::output_file file(path);
  nio::spike_writer w(file, "E");
  expect_io_error([&] { nio::spike_writer again(file, "E"); }, "already exists");
  const std::vector<std::uint64_t> ids = {1, 2};
  const std::vector<double> times = {1.0};
  EXPECT_THROW(w.append(ids, times), neuromesh::config_error);
  EXPECT_THROW(nio::spike_writer(file, "a/b"), neuromesh::config_error);
  nio::report_writer r(file, "E", "v", "mV", ids, 0.0, 0.1);
  EXPECT_THROW(r.append_frame(std::vector<float>{1.0f}), neuromesh::config_error);
  EXPECT_THROW(nio::report_writer(file, "I", "v", "mV", ids, 0.0, 0.0), neuromesh::config_error);
  file.close();
  file.close();  // idempotent
  EXPECT_FALSE(file.is_open());
  expect_io_error([&] { nio::spike_writer late(file, "late"); }, "closed");
}

// What `recording` needs of an engine: one state variable, V_m, read back as given.
class state_engine final : public neuromesh::engine {
 public:
  std::string name() const override { return "test"; }
  void advance(neuromesh::step_t, int, std::span<const neuromesh::spike>, std::vector<neuromesh::spike>&) override {}
  void deliver(std::span<const neuromesh::spike>) override {}
  void set_current(std::size_t, std::span<const neuromesh::index_t>, std::span<const double>) override {}
  void read_state(std::size_t, int, std::span<const neuromesh::index_t>, std::span<double>) const override {}
  std::pair<int, std::string> find_state(std::size_t, const std::string& variable) const override {
    return variable == "V_m" ? std::pair<int, std::string>{0, "mV"} : std::pair<int, std::string>{-1, ""};
  }
  neuromesh::engine_statistics statistics() const override { return {}; }
};

neuromesh::network recorded_network() {
  neuromesh::network net;
  net.dt = 0.1;
  for (const auto& [label, size] : {std::pair{"E", 10u}, std::pair{"I", 4u}, std::pair{"X", 3u}})
    net.populations.push_back({.label = label, .size = size, .model = "iaf_psc_exp"});
  // E: two recorders with ids (their union is recorded); I: all; X: no spike recorder.
  net.recorders = {{.population = "E", .variable = "spikes", .ids = {7, 2, 2}},
                   {.population = "E", .variable = "spikes", .ids = {5}},
                   {.population = "I", .variable = "spikes"},
                   {.population = "E", .variable = "V_m", .interval = 0.1, .ids = {1, 4}}};
  return net;
}

// A spike recorder with ids records those neurons only: in the file (with recorded_node_ids and
// provenance, so rates are over them), and for the simulation's spikes() and rates.
TEST_F(SonataIo, SpikeRecorderIdsSelectTheRecordedNeurons) {
  const std::string path = temp_path("subset.h5");
  const neuromesh::network net = recorded_network();
  const state_engine eng;
  std::vector<neuromesh::spike> all;  // every neuron fires in steps 0 and 9
  for (neuromesh::step_t step : {0, 9})
    for (neuromesh::gid_t g = 0; g < 17; ++g) all.push_back({step, g});
  std::vector<neuromesh::spike> kept;
  {
    neuromesh::recording rec(net, eng, path);
    EXPECT_EQ(rec.recorded_neurons(0), 3u);
    EXPECT_EQ(rec.recorded_neurons(1), 4u);
    EXPECT_EQ(rec.recorded_neurons(2), 0u);
    for (neuromesh::gid_t g = 0; g < 17; ++g)
      EXPECT_EQ(rec.records_spikes_of(g), g == 2 || g == 5 || g == 7 || (g >= 10 && g < 14)) << g;
    rec.record_spikes(all, net.offsets());
    rec.select_recorded(all, kept);
    rec.write_provenance({}, {{"duration_ms", 1.0}, {"population_size.E", 10.0}, {"population_size.I", 4.0}});
    rec.close();
  }
  std::vector<neuromesh::spike> expected;
  for (const auto& s : all)
    if (s.gid == 2 || s.gid == 5 || s.gid == 7 || (s.gid >= 10 && s.gid < 14)) expected.push_back(s);
  EXPECT_EQ(kept, expected);

  const auto spikes = nio::read_spikes(path);
  ASSERT_EQ(spikes.size(), 2u) << "X has no spike recorder";
  EXPECT_EQ(spikes.at("E").node_ids, (std::vector<std::uint64_t>{2, 5, 7, 2, 5, 7}));
  EXPECT_EQ(spikes.at("E").timestamps_ms, (std::vector<double>{0.1, 0.1, 0.1, 1.0, 1.0, 1.0}));
  EXPECT_EQ(spikes.at("E").recorded_node_ids, (std::vector<std::uint64_t>{2, 5, 7}));
  EXPECT_EQ(spikes.at("I").node_ids.size(), 8u);
  EXPECT_TRUE(spikes.at("I").recorded_node_ids.empty()) << "all of I is recorded";
  const auto prov = nio::read_provenance(path);
  EXPECT_EQ(prov.numbers.at("spikes_recorded_nodes.E"), 3.0);
  EXPECT_EQ(prov.numbers.at("spikes_recorded_nodes.I"), 4.0);
  EXPECT_NE(prov.text.at("spikes_recorded.E").find("3 of 10 neurons"), std::string::npos);
  EXPECT_EQ(prov.text.at("spikes_recorded.I"), "all 4 neurons");
  // Rates over the recorded neurons: 6 spikes / 3 neurons / 1 ms = 2000 Hz (not 600 over 10).
  const std::string text = nio::describe_file(path);
  EXPECT_NE(text.find("E: 6 spikes, node ids 2..7, t 0.1..1 ms, mean rate 2000 Hz (3 of 10 nodes recorded"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("I: 8 spikes, node ids 0..3, t 0.1..1 ms, mean rate 2000 Hz (4 nodes, 1 ms"), std::string::npos)
      << text;
}

TEST_F(SonataIo, RecordingStoresStateInTheRunPrecision) {
  const neuromesh::network net = recorded_network();
  const state_engine eng;
  const double v = -65.123456789012345;  // not a float: float32 would store -65.12345886...
  for (const auto prec : {neuromesh::precision::single, neuromesh::precision::double_precision}) {
    const bool dbl = prec == neuromesh::precision::double_precision;
    const std::string path = temp_path(dbl ? "double.h5" : "single.h5");
    {
      neuromesh::recording rec(net, eng, path, true, prec);
      ASSERT_EQ(rec.next_state_step(0), 0);
      rec.record_state(0, [&](std::size_t, int, std::span<const neuromesh::index_t> ids, std::span<double> out) {
        for (std::size_t k = 0; k < ids.size(); ++k) out[k] = v - ids[k];
      });
    }
    const auto r = nio::read_reports(path).at("E");
    EXPECT_EQ(r.type, dbl ? "float64" : "float32");
    EXPECT_EQ(r.node_ids, (std::vector<std::uint64_t>{1, 4}));
    if (dbl)
      EXPECT_EQ(r.data, (std::vector<double>{v - 1, v - 4}));
    else
      EXPECT_EQ(r.data, (std::vector<double>{static_cast<float>(v - 1), static_cast<float>(v - 4)}));
  }
}

TEST_F(SonataIo, SpikeRecorderIdsOutOfRangeAreRejected) {
  neuromesh::network net = recorded_network();
  net.recorders.push_back({.population = "I", .variable = "spikes", .ids = {4}});
  const state_engine eng;
  try {
    neuromesh::recording rec(net, eng, "");
    ADD_FAILURE() << "expected a config_error";
  } catch (const neuromesh::config_error& e) {
    EXPECT_NE(std::string(e.what()).find("recorders[4].ids"), std::string::npos) << e.what();
  }
}

}  // namespace

// ---------------------------------------------------------------- untrusted files (issue 17, item 8)
namespace {

// A population P with the given ids and times (float64, uint64), sorting by_time claimed, and
// provenance population_size.P / duration_ms when given (any value, NaN included).
void write_hostile(const std::string& path, const std::vector<std::uint64_t>& ids, const std::vector<double>& times,
                   std::optional<double> population_size = {}, std::optional<double> duration = {}) {
  hdf5_id f(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
  hdf5_id spikes(H5Gcreate2(f.get(), "spikes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  hdf5_id pop(H5Gcreate2(spikes.get(), "P", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  raw_1d(pop.get(), "node_ids", H5T_STD_U64LE, H5T_NATIVE_UINT64, ids.data(), ids.size());
  raw_1d(pop.get(), "timestamps", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, times.data(), times.size());
  raw_string_attr(pop.get(), "sorting", "by_time", true);
  hdf5_id prov(H5Gcreate2(f.get(), "provenance", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  const auto number = [&](const char* name, double v) {
    hdf5_id space(H5Screate(H5S_SCALAR));
    hdf5_id attr(H5Acreate2(prov.get(), name, H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT));
    H5Awrite(attr.get(), H5T_NATIVE_DOUBLE, &v);
  };
  if (population_size) number("population_size.P", *population_size);
  if (duration) number("duration_ms", *duration);
}

// Every reader entry point must refuse the file with an io_error containing `needle`.
void expect_every_reader_refuses(const std::string& path, const std::string& needle) {
  expect_io_error([&] { nio::read_spikes(path); }, needle);
  expect_io_error([&] { nio::read_spikes(path, 1.0, 2.0); }, needle);
  expect_io_error([&] { nio::describe_file(path); }, needle);
}

// An extendible dataset whose dataspace declares 2^35 rows that were never written: before, info
// scanned 32768 blocks of fill values (a hang); now the size is checked against the file first.
TEST_F(SonataIo, DatasetsDeclaringUnwrittenRowsAreRefusedBeforeReading) {
  const std::string path = temp_path("huge.h5");
  {
    write_hostile(path, {1}, {1.0});
    hdf5_id f(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
    hdf5_id pop(H5Gopen2(f.get(), "spikes/P", H5P_DEFAULT));
    for (const char* name : {"node_ids", "timestamps"}) {
      H5Ldelete(pop.get(), name, H5P_DEFAULT);
      const hsize_t dims = hsize_t{1} << 35, maxdims = H5S_UNLIMITED, chunk = 1024;
      hdf5_id space(H5Screate_simple(1, &dims, &maxdims));
      hdf5_id dcpl(H5Pcreate(H5P_DATASET_CREATE));
      H5Pset_chunk(dcpl.get(), 1, &chunk);
      hdf5_id d(H5Dcreate2(pop.get(), name, name[0] == 'n' ? H5T_STD_U64LE : H5T_IEEE_F64LE, space.get(), H5P_DEFAULT,
                           dcpl.get(), H5P_DEFAULT));
      ASSERT_TRUE(d.valid());
    }
  }
  expect_every_reader_refuses(path, "/spikes/P/node_ids declares 34359738368 values");
}

// Spikes whose two datasets are chunked by one row (2^18 rows), written `written` rows at a time
// (each write touches few chunks, so writing does not raise the peak RSS the test measures),
// compressed or not.
void write_one_row_chunks(const std::string& path, hsize_t rows, hsize_t written, bool deflate) {
  write_hostile(path, {0}, {0.0});
  hdf5_id f(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
  hdf5_id pop(H5Gopen2(f.get(), "spikes/P", H5P_DEFAULT));
  const std::vector<std::uint64_t> zeros(1024, 0);
  for (const char* name : {"node_ids", "timestamps"}) {
    H5Ldelete(pop.get(), name, H5P_DEFAULT);
    const hsize_t chunk = 1;
    hdf5_id space(H5Screate_simple(1, &rows, nullptr));
    hdf5_id dcpl(H5Pcreate(H5P_DATASET_CREATE));
    H5Pset_chunk(dcpl.get(), 1, &chunk);
    if (deflate) H5Pset_deflate(dcpl.get(), 1);
    hdf5_id d(H5Dcreate2(pop.get(), name, H5T_STD_U64LE, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT));
    ASSERT_TRUE(d.valid());
    for (hsize_t start = 0; start < written; start += zeros.size()) {
      const hsize_t n = std::min<hsize_t>(zeros.size(), written - start);
      hdf5_id part(H5Screate_simple(1, &n, nullptr));
      hdf5_id file_part(H5Dget_space(d.get()));
      H5Sselect_hyperslab(file_part.get(), H5S_SELECT_SET, &start, nullptr, &n, nullptr);
      ASSERT_GE(H5Dwrite(d.get(), H5T_NATIVE_UINT64, part.get(), file_part.get(), H5P_DEFAULT, zeros.data()), 0);
    }
  }
}

// A compressed dataset of 2^18 one-row chunks of which 1024 were written passed the compression
// check, and the rest read as fill values (tests/fuzz found it:
// regressions/sonata_reader/chunk_per_row_read_allocates_gigabytes). Now refused at once.
TEST_F(SonataIo, ChunksThatWereNeverWrittenAreRefused) {
  const std::string path = temp_path("missing_chunks.h5");
  write_one_row_chunks(path, hsize_t{1} << 18, 1024, true);
  expect_every_reader_refuses(path, "/spikes/P/node_ids covers 262144 chunks but the file stores only 1024");
}

// libhdf5 keeps about 1 KiB per chunk that one read touches: reading 2^18 one-row chunks in one
// block took over 300 MB (1.2 GiB for 2^20). Reads now touch at most 1024 chunks each. ctest runs
// each test in its own process, so the peak RSS is this test's; the bound leaves room for ASan's
// quarantine of freed blocks (256 MiB).
TEST_F(SonataIo, ReadsOfOneRowChunksKeepMemoryBounded) {
  const std::string path = temp_path("tiny_chunks.h5");
  const hsize_t rows = hsize_t{1} << 18;
  write_one_row_chunks(path, rows, rows, false);
  rusage before{};
  getrusage(RUSAGE_SELF, &before);
  EXPECT_EQ(nio::read_spikes(path).at("P").node_ids.size(), rows);
  rusage after{};
  getrusage(RUSAGE_SELF, &after);
  EXPECT_LT(after.ru_maxrss - before.ru_maxrss, 768L * 1024)
      << "peak RSS grew by " << after.ru_maxrss - before.ru_maxrss << " KiB";
}

TEST_F(SonataIo, InvalidSpikeDataIsReportedNamingTheDataset) {
  const std::string path = temp_path("bad.h5");
  for (double t : {double{NAN}, double{INFINITY}, -double{INFINITY}, -1.0}) {
    write_hostile(path, {0, 1, 2}, {0.5, t, 1.5}, 3.0, 10.0);
    expect_every_reader_refuses(path, "/spikes/P/timestamps: row 1 holds");
  }
  write_hostile(path, {0, 3, 2}, {0.5, 1.0, 1.5}, 3.0, 10.0);  // id 3 in a population of 3
  expect_every_reader_refuses(path, "/spikes/P/node_ids: row 1 holds node id 3 >= population size 3");
  for (double size : {double{NAN}, -5.0, 2.5, 1e300}) {
    write_hostile(path, {0}, {0.5}, size, 10.0);
    expect_every_reader_refuses(path, "/provenance attribute population_size.P is");
  }
  write_hostile(path, {0}, {0.5}, 3.0, NAN);
  expect_every_reader_refuses(path, "/provenance attribute duration_ms is");
  {  // a population without node_ids
    write_hostile(path, {0}, {0.5});
    hdf5_id f(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
    H5Ldelete(f.get(), "spikes/P/node_ids", H5P_DEFAULT);
  }
  expect_every_reader_refuses(path, "/spikes/P/node_ids is missing");
}

// A file that claims by_time but is not: windows equal the filtered full read, and the table
// says "none" (the claim is checked while reading, never trusted).
TEST_F(SonataIo, SortingThatLiesIsNotTrusted) {
  const std::string path = temp_path("lie.h5");
  std::vector<std::uint64_t> ids;
  std::vector<double> times;
  std::mt19937_64 rng(3);
  for (int i = 0; i < 1000; ++i) ids.push_back(rng() % 50), times.push_back(static_cast<double>(rng() % 1000) / 10.0);
  write_hostile(path, ids, times, 50.0, 100.0);
  const auto full = nio::read_spikes(path).at("P");
  EXPECT_EQ(full.sorting, "none");
  EXPECT_EQ(full.timestamps_ms, times);
  for (const auto& [lo, hi] : {std::pair{10.0, 20.0}, std::pair{0.0, 50.05}, std::pair{99.0, 100.0}}) {
    const auto w = nio::read_spikes(path, lo, hi).at("P");
    std::vector<double> want;
    // Copies, not the bindings: clang 14 (the sanitizer build) cannot capture structured bindings.
    std::copy_if(times.begin(), times.end(), std::back_inserter(want),
                 [lo = lo, hi = hi](double t) { return t >= lo && t < hi; });
    EXPECT_EQ(w.timestamps_ms, want) << "[" << lo << ", " << hi << ")";
  }
  EXPECT_NE(nio::describe_file(path).find("sorting none (the file says by_time; the data is not)"), std::string::npos);
}

}  // namespace
