# What a Debian package holds beyond the binary and the completions (CMakeLists.txt installs those), and
# CPack's settings for it. scripts/package builds a Release tree and runs cpack -G DEB there.

# gzip -n: no name or time stamp in the header, so the same input gives the same bytes (lintian
# package-contains-timestamped-gzip).
function(hookauth_gzip source output)
  add_custom_command(OUTPUT ${output} COMMAND gzip -9nc ${source} > ${output} DEPENDS ${source}
                     COMMENT "gzip ${source}")
endfunction()
set(man_gz ${CMAKE_CURRENT_BINARY_DIR}/hookauth.1.gz)
set(changelog_gz ${CMAKE_CURRENT_BINARY_DIR}/changelog.Debian.gz)
hookauth_gzip(${CMAKE_CURRENT_SOURCE_DIR}/man/hookauth.1 ${man_gz})
hookauth_gzip(${CMAKE_CURRENT_SOURCE_DIR}/packaging/changelog.Debian ${changelog_gz})
add_custom_target(hookauth_docs ALL DEPENDS ${man_gz} ${changelog_gz})

install(FILES ${man_gz} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES packaging/copyright ${changelog_gz} DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES packaging/lintian-overrides DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides RENAME hookauth)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME hookauth)
set(CPACK_PACKAGE_VENDOR "hookauth")
set(CPACK_PACKAGE_CONTACT "Seed f016715e maintainers <maintainers@users.noreply.r-seed-f016715e.example>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
# Directories 0755 whatever the umask (lintian non-standard-dir-perm).
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
    WORLD_READ WORLD_EXECUTE)
# A Debian revision (0.1.0-1): the package is not native, so its changelog is changelog.Debian.gz.
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # Depends from dpkg-shlibdeps: libc6, libcurl4, libssl3, libstdc++6, ...
# The synopsis, then the extended description; CPack puts the leading space before each line.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "send webhooks with authorization, and verify them
hookauth signs outgoing webhooks with named authorizations kept in a store
(Basic, API keys, HTTP Digest, AWS SigV4, OAuth 2.0 bearer tokens, and payload
signatures such as Standard Webhooks, GitHub and Stripe) and verifies incoming
ones with the same code, as a one-shot check or as a receiving server.
It can also probe whether a partner's receiver really checks what it should.")
include(CPack)
