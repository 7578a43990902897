file(GLOB FILES ${DIR}/*.json)
list(SORT FILES)
# Writes a C++ source holding the hardware presets networks/hardware/*.json as raw strings
# (name = file name without .json), so installed packages and wheels need no data files.
set(content "// Generated from networks/hardware/*.json by cmake/embed_hardware.cmake.\n#include <string_view>\n#include <utility>\n#include <vector>\nnamespace neuromesh::detail {\nconst std::vector<std::pair<std::string_view, std::string_view>>& hardware_preset_sources() {\n  static const std::vector<std::pair<std::string_view, std::string_view>> files = {\n")
foreach(f IN LISTS FILES)
  get_filename_component(name ${f} NAME)
  string(REGEX REPLACE "\\.json$" "" stem ${name})
  file(READ ${f} text)
  string(APPEND content "    {\"${stem}\", R\"neuromesh_json(${text})neuromesh_json\"},\n")
endforeach()
string(APPEND content "  };\n  return files;\n}\n}  // namespace neuromesh::detail\n")
file(WRITE ${OUT} "${content}")
