# The library's layers depend one way: core <- io <- analysis <- report. A file of a layer
# (engine/LAYER/, include/smartpower/LAYER/, engine/internal/smartpower/LAYER/) includes
# headers of its own layer and the layers below it only, without exceptions: any upward
# include fails.
# Run: cmake -DSRC=<source dir> -P tests/layers.cmake
set(layers core io analysis report)
set(problems "")
set(count 0)
foreach(rank RANGE 3)
  list(GET layers ${rank} layer)
  file(GLOB_RECURSE files ${SRC}/engine/${layer}/* ${SRC}/include/smartpower/${layer}/*
       ${SRC}/engine/internal/smartpower/${layer}/*)
  foreach(f ${files})
    math(EXPR count "${count} + 1")
    file(RELATIVE_PATH rel ${SRC} ${f})
    file(STRINGS ${f} lines REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"](smartpower/)?(core|io|analysis|report)/")
    foreach(line ${lines})
      string(REGEX REPLACE ".*include[ \t]*[<\"](smartpower/)?([a-z]+)/.*" "\\2" to "${line}")
      list(FIND layers ${to} to_rank)
      if(to_rank GREATER rank)
        string(APPEND problems "\n  ${rel} (${layer}): ${line}")
      endif()
    endforeach()
  endforeach()
endforeach()
if(count LESS 40)
  message(FATAL_ERROR "expected the layers' files under ${SRC}/engine and ${SRC}/include/smartpower, found ${count}")
endif()
if(problems)
  message(FATAL_ERROR "a layer includes a layer above it (core <- io <- analysis <- report):${problems}")
endif()
message("layers: ${count} files, every include points down (core <- io <- analysis <- report)")
