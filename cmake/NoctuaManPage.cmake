# cmake -DHELP2MAN=… -DBIN=… -DNAME=… -DSUMMARY=… -DCOMMANDS=… -DINCLUDE=… -DOUT=… -P this
# Writes OUT (a gzipped man page) from BIN's --help and --version, each of COMMANDS'
# `BIN help COMMAND` as a section of its own, and the sections in INCLUDE.
get_filename_component(dir ${OUT} DIRECTORY)
set(page ${dir}/${NAME}.1)
set(extra ${dir}/${NAME}-commands.h2m)
file(WRITE ${extra} "")
foreach(cmd IN LISTS COMMANDS)
  execute_process(COMMAND ${BIN} help ${cmd} OUTPUT_VARIABLE text RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${BIN} help ${cmd} exited ${rc}")
  endif()
  # Verbatim in roff: escape backslashes, and protect lines starting with a control character.
  string(REPLACE "\\" "\\e" text "${text}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" text "${text}")
  string(TOUPPER "${cmd}" upper)
  file(APPEND ${extra} "[COMMAND ${upper}]\n.nf\n${text}.fi\n\n")
endforeach()
set(extra_arg)
if(COMMANDS)
  set(extra_arg --include=${extra})
endif()
execute_process(
  COMMAND ${CMAKE_COMMAND} -E env LC_ALL=C.UTF-8
          ${HELP2MAN} --locale=C.UTF-8 --no-info --no-discard-stderr --name=${SUMMARY} --section=1
          --include=${INCLUDE} ${extra_arg} --output=${page} ${BIN}
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "help2man ${BIN} exited ${rc}")
endif()
# A multi-line "Usage:" block (one line per command) stays one line per command.
file(READ ${page} roff)
string(FIND "${roff}" ".SS \"Usage:\"\n.IP\n" at)
if(at GREATER -1)
  string(SUBSTRING "${roff}" 0 ${at} head)
  string(SUBSTRING "${roff}" ${at} -1 tail)
  string(REPLACE ".SS \"Usage:\"\n.IP\n" ".SS \"Usage:\"\n.nf\n.RS\n" tail "${tail}")
  string(FIND "${tail}" "\n.SS " end)
  if(end GREATER -1)
    string(SUBSTRING "${tail}" 0 ${end} block)
    math(EXPR end "${end} + 1")
    string(SUBSTRING "${tail}" ${end} -1 rest)
    set(tail "${block}\n.RE\n.fi\n${rest}")
  endif()
  file(WRITE ${page} "${head}${tail}")
endif()
# -n: no name or time stamp in the header, so the same page gives the same bytes.
execute_process(COMMAND gzip -9nf ${page} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gzip ${page} exited ${rc}")
endif()
