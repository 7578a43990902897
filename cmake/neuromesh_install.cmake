# cmake --install: headers, libraries, the CLI and an exported package, so another project can
#   find_package(neuromesh REQUIRED)  and  target_link_libraries(app PRIVATE neuromesh::neuromesh)
set(NEUROMESH_ENABLED_BACKENDS cpu)
set(_neuromesh_optional_targets)
set(_neuromesh_optional_includes)
if(NEUROMESH_WITH_MPI_ENABLED)
  list(APPEND _neuromesh_optional_targets neuromesh_backend_mpi)
  list(APPEND _neuromesh_optional_includes backends/mpi/include)
endif()
install(TARGETS neuromesh_flags neuromesh_hdf5 neuromesh_core neuromesh_neurons neuromesh_synapses
                neuromesh_backend_cpu neuromesh_api neuromesh_all neuromesh_cli ${_neuromesh_optional_targets}
        EXPORT neuromeshTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
foreach(dir core/include neurons/include synapses/include backends/cpu/include backends/api/include
           ${_neuromesh_optional_includes})
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${dir}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endforeach()
install(FILES ${PROJECT_BINARY_DIR}/core/generated/neuromesh/core/config.hpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/neuromesh/core)
install(EXPORT neuromeshTargets NAMESPACE neuromesh:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/neuromesh)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/neuromeshConfig.cmake.in
  ${PROJECT_BINARY_DIR}/neuromeshConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/neuromesh)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/neuromeshConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/neuromeshConfig.cmake ${PROJECT_BINARY_DIR}/neuromeshConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/neuromesh)
