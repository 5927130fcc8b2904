# Install rules and the Debian package (docs/operations.md, "Deploy").
#
#   cmake --install build [--prefix DIR]     the files below
#   make package (or cpack in a build dir)   noctua_<version>_<arch>.deb
#
# The default prefix is /usr, so that the systemd unit's /usr/bin/noctua and
# /etc/noctua/noctua.toml are where a plain `cmake --install` puts them.
if(CMAKE_INSTALL_PREFIX_INITIALIZED_TO_DEFAULT)
  set(CMAKE_INSTALL_PREFIX /usr CACHE PATH "Install prefix" FORCE)
endif()
include(GNUInstallDirs)
set(NOCTUA_DATADIR ${CMAKE_INSTALL_DATADIR}/noctua)       # dashboards, Prometheus files
set(NOCTUA_DOCDIR ${CMAKE_INSTALL_DATADIR}/doc/noctua)    # Debian's doc dir, not GNU's

install(TARGETS noctua noctua_sim_main RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# The configuration and the unit go where the prefix in effect at install time says
# (`cmake --install --prefix`, CPack's /usr), not the one cached at configure time:
# /etc/noctua and /lib/systemd/system for /usr, PREFIX/etc/noctua and PREFIX/lib/systemd/system
# otherwise. The unit names the binary and configuration installed with it.
install(CODE "set(NOCTUA_SOURCE_DIR \"${PROJECT_SOURCE_DIR}\")
set(NOCTUA_BINARY_DIR \"${PROJECT_BINARY_DIR}\")
set(NOCTUA_BINDIR \"${CMAKE_INSTALL_BINDIR}\")
include(\"${PROJECT_SOURCE_DIR}/cmake/NoctuaInstallService.cmake\")")

install(DIRECTORY dashboards/ DESTINATION ${NOCTUA_DATADIR}/dashboards)
install(DIRECTORY deploy/prometheus/ DESTINATION ${NOCTUA_DATADIR}/prometheus)

# Debian wants the changelog gzipped (-n: the same bytes on every build).
add_custom_command(
  OUTPUT ${PROJECT_BINARY_DIR}/deploy/changelog.gz
  COMMAND gzip -9nc ${PROJECT_SOURCE_DIR}/deploy/debian/changelog > ${PROJECT_BINARY_DIR}/deploy/changelog.gz
  DEPENDS ${PROJECT_SOURCE_DIR}/deploy/debian/changelog
  VERBATIM)
add_custom_target(noctua_changelog ALL DEPENDS ${PROJECT_BINARY_DIR}/deploy/changelog.gz)
install(FILES README.md deploy/debian/copyright ${PROJECT_BINARY_DIR}/deploy/changelog.gz
        DESTINATION ${NOCTUA_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${NOCTUA_DOCDIR})
install(DIRECTORY config/examples/ DESTINATION ${NOCTUA_DOCDIR}/examples)

# Man pages from each binary's --help, --version and per-command help (help2man), with
# deploy/man/*.h2m adding FILES, SIGNALS, ENVIRONMENT and SEE ALSO; gzipped as Debian wants.
find_program(NOCTUA_HELP2MAN help2man)
if(NOCTUA_HELP2MAN)
  set(pages)
  foreach(page IN ITEMS "noctua|noctua|NOC monitoring and alerting daemon|run check replay test-providers"
                        "noctua-sim|noctua_sim_main|provider fleet simulator with traffic and fault injection|")
    string(REPLACE "|" ";" page "${page}")
    list(GET page 0 name)
    list(GET page 1 target)
    list(GET page 2 summary)
    list(GET page 3 commands)
    string(REPLACE " " ";" commands "${commands}")
    set(out ${PROJECT_BINARY_DIR}/man/${name}.1.gz)
    add_custom_command(
      OUTPUT ${out}
      COMMAND ${CMAKE_COMMAND} -DHELP2MAN=${NOCTUA_HELP2MAN} -DBIN=$<TARGET_FILE:${target}>
              -DNAME=${name} "-DSUMMARY=${summary}" "-DCOMMANDS=${commands}"
              -DINCLUDE=${PROJECT_SOURCE_DIR}/deploy/man/${name}.h2m -DOUT=${out}
              -P ${PROJECT_SOURCE_DIR}/cmake/NoctuaManPage.cmake
      DEPENDS ${target} ${PROJECT_SOURCE_DIR}/deploy/man/${name}.h2m
              ${PROJECT_SOURCE_DIR}/cmake/NoctuaManPage.cmake
      COMMENT "Generating the ${name}(1) man page"
      VERBATIM)
    list(APPEND pages ${out})
  endforeach()
  add_custom_target(noctua_man ALL DEPENDS ${pages})
  install(FILES ${pages} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  message(WARNING "help2man not found (Debian: help2man): no man pages are installed")
endif()

# ---- the .deb (CPack)
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME noctua)
set(CPACK_PACKAGE_VENDOR "The Noctua authors")
set(NOCTUA_PACKAGE_MAINTAINER "Noctua maintainers <noctua@example.org>" CACHE STRING
    "The package's Maintainer field")
set(CPACK_PACKAGE_CONTACT "${NOCTUA_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "NOC monitoring and alerting daemon for payment and top-up providers")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "Noctua probes provider APIs on a schedule, follows transaction streams (HTTP
push, file tail, Kafka), detects outages, traffic loss, latency and low
balances, and sends grouped, durable notifications to chat and pager receivers.
It exports Prometheus metrics; Grafana dashboards and Prometheus rules are in
/usr/share/noctua. Runs as a hardened systemd service (noctua.service).")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The shared libraries' packages come from dpkg-shlibdeps; tzdata is read at run time by the
# time zones of mute intervals and status-test schedules.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "tzdata")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "sqlite3, prometheus")
# Installed with DESTDIR and prefix /usr, whatever this build's prefix: /etc/noctua.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
# conffiles: /etc/noctua/noctua.toml survives upgrades; the scripts only tell systemd.
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/deploy/debian/conffiles ${PROJECT_SOURCE_DIR}/deploy/debian/postinst
    ${PROJECT_SOURCE_DIR}/deploy/debian/prerm ${PROJECT_SOURCE_DIR}/deploy/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
