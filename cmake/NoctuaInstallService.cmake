# Included by the install script (cmake/NoctuaInstall.cmake) with NOCTUA_SOURCE_DIR,
# NOCTUA_BINARY_DIR and NOCTUA_BINDIR set: installs noctua.toml and noctua.service for the
# prefix in effect now. file(INSTALL) adds DESTDIR and records the files in the manifest.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(etc /etc/noctua)
  set(unitdir /lib/systemd/system)
else()
  set(etc ${CMAKE_INSTALL_PREFIX}/etc/noctua)
  set(unitdir ${CMAKE_INSTALL_PREFIX}/lib/systemd/system)
endif()
file(READ ${NOCTUA_SOURCE_DIR}/deploy/systemd/noctua.service unit)
string(REPLACE "/usr/bin/noctua " "${CMAKE_INSTALL_PREFIX}/${NOCTUA_BINDIR}/noctua " unit "${unit}")
string(REPLACE "/etc/noctua/" "${etc}/" unit "${unit}")
set(generated ${NOCTUA_BINARY_DIR}/deploy/noctua.service)
file(WRITE ${generated} "${unit}")
file(INSTALL DESTINATION ${unitdir} TYPE FILE PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
     FILES ${generated})
file(INSTALL DESTINATION ${etc} TYPE FILE PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
     FILES ${NOCTUA_SOURCE_DIR}/deploy/noctua.toml)
